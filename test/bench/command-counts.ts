import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BenchEnvironment } from './bench-environment';

/** What command-probe.js counted since its previous read: by `<in request|outside> <command> <collection>`. */
export interface Counted {
  counts: Record<string, { commands: number; documents: number; ms: number }>;
  cpuMs: number;
}

/**
 * The service's store commands, counted by test/bench/command-probe.js preloaded into it: `env` goes to
 * startBenchEnvironment, `read()` returns the counts since the previous read (and so starts them afresh).
 */
export function commandProbe(): { env: NodeJS.ProcessEnv; read(bench: BenchEnvironment): Promise<Counted> } {
  const file = path.join(tmpdir(), `command-probe-${randomUUID()}.json`);
  return {
    env: { NODE_OPTIONS: `--require ${path.join(__dirname, 'command-probe.js')}`, PROBE_OUT: file },
    async read(bench) {
      rmSync(file, { force: true });
      bench.app.child.kill('SIGWINCH');
      const deadline = Date.now() + 5000;
      for (;;) {
        // Written whole before the next poll in practice; a partial read fails JSON.parse and is retried.
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as Counted;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    },
  };
}

/** Commands by `<command> <collection>` (inside requests or not), the most first. */
export function commandsByName({ counts }: Counted): [string, number][] {
  const sums = new Map<string, number>();
  for (const [key, { commands }] of Object.entries(counts)) {
    const name = key.split(' ').slice(1).join(' ');
    sums.set(name, (sums.get(name) ?? 0) + commands);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}
