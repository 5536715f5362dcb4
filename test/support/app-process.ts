import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const MAIN_JS = path.resolve(__dirname, '../../dist/main.js');
/** How the service's Node runs: package.json's config.serviceNodeFlags, as `npm start` and the Dockerfile run it. */
export const SERVICE_NODE_FLAGS = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { config: { serviceNodeFlags: string } }
).config.serviceNodeFlags.split(' ');

export interface AppProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the built service (`dist/main.js`, made by `nest build`) as its own process. */
export function spawnApp(env: NodeJS.ProcessEnv): AppProcess {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run \`npm run build\` first (npm test does)`);
  // Only what we pass: the test runner's own settings must not leak in.
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, MAIN_JS], {
    env: { PATH: process.env.PATH, ...env },
    cwd: path.dirname(path.dirname(MAIN_JS)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}
