import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ChartPicture } from './chart-picture';

interface RenderReply {
  id: number;
  svg?: string;
  error?: string;
}

/**
 * Renders charts in a worker thread (chart-render.worker.js), started on the
 * first chart and kept: drawing is CPU work that would otherwise stall every
 * other request, and Plot is an ES module the app's CommonJS graph leaves out.
 */
@Injectable()
export class ChartRenderer implements OnModuleDestroy {
  private worker?: Worker;
  private readonly pending = new Map<number, { worker: Worker; resolve: (svg: string) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  render(picture: ChartPicture): Promise<string> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker, resolve, reject });
      worker.postMessage({ id, picture });
    });
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = new Worker(join(__dirname, 'chart-render.worker.js'));
    worker.on('message', ({ id, svg, error }: RenderReply) => {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      if (svg !== undefined) waiting?.resolve(svg);
      else waiting?.reject(new Error(`rendering a chart failed: ${error}`));
    });
    // A worker that dies fails what it was drawing; the next chart starts a new one.
    const stopped = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, waiting] of this.pending) {
        if (waiting.worker !== worker) continue;
        this.pending.delete(id);
        waiting.reject(error);
      }
    };
    worker.on('error', stopped);
    worker.on('exit', (code) => stopped(new Error(`the chart render worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
