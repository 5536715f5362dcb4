import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** In a process of its own: the warning handlers are the process's. */
function stderrOf(script: string): string {
  const modulePath = path.resolve(__dirname, 'node-warnings.ts');
  const result = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', `require(${JSON.stringify(modulePath)}).ignoreNegativeTimeoutWarnings(); ${script}`],
    { encoding: 'utf8', env: { PATH: process.env.PATH } },
  );
  return result.stderr;
}

describe('ignoreNegativeTimeoutWarnings', () => {
  it('drops the TimeoutNegativeWarning of a negative timer delay and prints every other warning', () => {
    const stderr = stderrOf(
      "process.emitWarning('-5 is a negative number.', 'TimeoutNegativeWarning'); process.emitWarning('something else', 'OtherWarning');",
    );
    expect(stderr).not.toContain('TimeoutNegativeWarning');
    expect(stderr).toContain('OtherWarning: something else');
  });
});
