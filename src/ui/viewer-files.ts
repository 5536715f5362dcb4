import { Injectable, OnModuleInit } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../common/errors/domain-errors';

/** The viewer's files (static/, copied beside the compiled code by the build) and their media types. */
export const VIEWER_ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'viewer.js': 'text/javascript; charset=utf-8',
  'common.js': 'text/javascript; charset=utf-8',
  'dataset-page.js': 'text/javascript; charset=utf-8',
  'oidc.js': 'text/javascript; charset=utf-8',
  'viewer.css': 'text/css; charset=utf-8',
} as const;
export type ViewerAsset = keyof typeof VIEWER_ASSETS;

/** The viewer's few small files, read once at start-up: a missing one stops the boot rather than a page later. */
@Injectable()
export class ViewerFiles implements OnModuleInit {
  private readonly files = new Map<string, Buffer>();

  async onModuleInit(): Promise<void> {
    for (const name of Object.keys(VIEWER_ASSETS)) this.files.set(name, await readFile(join(__dirname, 'static', name)));
  }

  get(name: string): { body: Buffer; type: string } {
    const body = Object.hasOwn(VIEWER_ASSETS, name) ? this.files.get(name) : undefined;
    if (!body) throw new NotFoundError(`the viewer has no file ${name}`);
    return { body, type: VIEWER_ASSETS[name as ViewerAsset] };
  }
}
