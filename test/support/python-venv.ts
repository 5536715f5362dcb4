import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

/**
 * A git-ignored virtual environment in the checkout holding one pinned PyPI
 * package (`name==version`), made on first use and remade when the pin changes.
 * Returns its `bin/` folder. `python` is the interpreter that makes it.
 */
export function ensureVenv(folder: string, requirement: string, python = 'python3'): string {
  const venv = path.join(ROOT, folder);
  const bin = path.join(venv, 'bin');
  const [name, version] = requirement.split('==');
  const probe = `import importlib.metadata as m; print(m.version(${JSON.stringify(name)}))`;
  const installed = existsSync(path.join(bin, 'python'))
    ? spawnSync(path.join(bin, 'python'), ['-c', probe], { encoding: 'utf8' })
    : undefined;
  if (installed?.status === 0 && installed.stdout.trim() === version) return bin;
  process.stderr.write(`installing ${requirement} into ${folder}/ ...\n`);
  run(python, ['-m', 'venv', venv]);
  run(path.join(bin, 'pip'), ['install', '--quiet', '--disable-pip-version-check', requirement]);
  return bin;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}
