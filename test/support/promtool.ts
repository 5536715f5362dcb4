import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './python-venv';

/** Prometheus 3.x's promtool, as a Go module version (Prometheus tags its Go module v0.<minor>.<patch>). */
const PROMTOOL_MODULE = 'github.com/prometheus/prometheus/cmd/promtool@v0.316.0';
const BIN = path.join(ROOT, '.local-stack', 'tools', 'promtool-v0.316.0');

/** promtool, built from the Go module proxy into the git-ignored cache on first use (a few minutes). */
export function ensurePromtool(): string {
  const promtool = path.join(BIN, 'promtool');
  if (existsSync(promtool)) return promtool;
  process.stderr.write(`building ${PROMTOOL_MODULE} into ${BIN} ...\n`);
  const built = spawnSync('go', ['install', PROMTOOL_MODULE], {
    env: { ...process.env, GOBIN: BIN },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (built.status !== 0) throw new Error(`go install ${PROMTOOL_MODULE} failed (${built.status ?? built.signal})`);
  return promtool;
}

/** Runs promtool; resolves to its output, or fails with it. */
export function promtool(args: string[]): string {
  const result = spawnSync(ensurePromtool(), args, { encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`promtool ${args.join(' ')} failed:\n${output}`);
  return output;
}
