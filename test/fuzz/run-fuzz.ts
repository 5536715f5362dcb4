/**
 * npm run test:fuzz — schemathesis against the built service's live OpenAPI
 * document (`/docs-json`): every check, the stateful phase, a fixed seed.
 * Fails on any 5xx, any response the document does not describe, and any
 * schema-valid request the server rejects.
 *
 * The service runs on the local stack (or MONGODB_URI/KAFKA_BROKERS) with a
 * database and topic of its own, dropped afterwards. schemathesis is pinned and
 * installed into the git-ignored `.venv-fuzz/` on first use.
 *
 * Settings: FUZZ_SEED, FUZZ_MAX_EXAMPLES (per operation), FUZZ_REPORT_DIR,
 * FUZZ_PYTHON (the interpreter that makes the virtual environment).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { printTable, startBenchEnvironment } from '../bench/bench-environment';
import { ensureVenv, ROOT } from '../support/python-venv';
import { createFuzzFixtures } from './fuzz-fixtures';
import { formatFailures, readDistinctFailures, readDroppedFailures, readTotals } from './fuzz-report';

const SCHEMATHESIS = 'schemathesis==4.32.5';
const settings = {
  seed: process.env.FUZZ_SEED ?? '20261201',
  maxExamples: process.env.FUZZ_MAX_EXAMPLES ?? '200',
  reportDir: path.resolve(process.env.FUZZ_REPORT_DIR ?? path.join(ROOT, '.fuzz-report')),
  python: process.env.FUZZ_PYTHON ?? 'python3',
};
// A run takes about ninety seconds; far beyond that something hangs, and CI must not wait for it.
const HARD_TIMEOUT_MS = 8 * 60_000;

const log = (line: string): boolean => process.stderr.write(`[fuzz] ${line}\n`);

function schemathesisArgs(url: string, adminToken: string): string[] {
  return [
    '--config-file',
    path.join(ROOT, 'test', 'fuzz', 'schemathesis.toml'),
    'run',
    `${url}/docs-json`,
    // Authenticated as the bootstrap admin, which may call every route (its checks also send requests without it).
    '--header',
    `Authorization: Bearer ${adminToken}`,
    '--checks',
    'all',
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--seed',
    settings.seed,
    '--max-examples',
    settings.maxExamples,
    // One worker: the stateful phase and 409s depend on the order of writes.
    '--workers',
    '1',
    '--continue-on-failure',
    // Replaying failures saved by earlier runs would make runs differ.
    '--generation-database',
    'none',
    // Server-Sent Events never end: a request to it can only time out.
    '--exclude-path',
    '/events/stream',
    '--request-timeout',
    '15',
    // Timing-based health checks would flake on a busy 2-core machine; hooks.py filters what breaks a rule the
    // document cannot state, and for records uploads that is most generated points.
    '--suppress-health-check',
    'too_slow,filter_too_much',
    '--no-color',
    '--output-truncate',
    'false',
    '--report',
    'json,ndjson',
    '--report-json-path',
    path.join(settings.reportDir, 'report.json'),
    '--report-ndjson-path',
    path.join(settings.reportDir, 'events.ndjson'),
  ];
}

function runSchemathesis(st: string, args: string[], hooksApi: { url: string; token: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    // schemathesis keeps its replay files in .schemathesis/ of its working directory: the report's, wiped each run.
    const child = spawn(st, args, {
      cwd: settings.reportDir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        // test/fuzz/hooks.py: skips generated requests that break a rule JSON Schema cannot state (see its docstring).
        SCHEMATHESIS_HOOKS: 'hooks',
        PYTHONPATH: path.join(ROOT, 'test', 'fuzz'),
        // hooks.py makes fresh data for the operations that consume some (restore, revoke, untag).
        FUZZ_API_URL: hooksApi.url,
        FUZZ_ADMIN_TOKEN: hooksApi.token,
      },
    });
    const timer = setTimeout(() => {
      log(`schemathesis still running after ${HARD_TIMEOUT_MS / 1000} s: stopping it`);
      child.kill('SIGTERM');
    }, HARD_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** Prints the summary tables; false when there is no report or nothing was tested. */
function printSummary(): boolean {
  if (!existsSync(path.join(settings.reportDir, 'report.json'))) {
    log('schemathesis wrote no report');
    return false;
  }
  const totals = readTotals(path.join(settings.reportDir, 'report.json'));
  const failures = readDistinctFailures(path.join(settings.reportDir, 'events.ndjson'));
  process.stdout.write('\n==== fuzz summary ====\n\n');
  printTable(
    ['phase', 'status'],
    Object.entries(totals.phases).map(([phase, status]) => [phase, status]),
  );
  process.stdout.write('\n');
  printTable(
    ['check', 'failures', 'operations'],
    [
      ...totals.failuresPerCheck.map((f) => [`${f.code} ${f.title}`, f.count, f.operations.length]),
      ...totals.errors.map((e) => [`error: ${e.title}`, e.count, '']),
    ],
  );
  for (const f of totals.failuresPerCheck) process.stdout.write(`\n${f.code}: ${f.operations.join(', ')}\n`);
  const dropped = readDroppedFailures(path.join(settings.reportDir, 'dropped-failures.ndjson'));
  if (dropped.length > 0) {
    process.stdout.write('\nST202 not counted: the request broke a rule the document cannot state (test/fuzz/hooks.py)\n\n');
    printTable(
      ['operation', 'rule broken', 'cases'],
      dropped.map((d) => [d.operation, d.reason, d.count]),
    );
  }
  process.stdout.write(
    `\ntest cases: ${totals.generated} generated, ${totals.withFailures} with failures, ${totals.uniqueFailures} unique failures; ` +
      `${failures.length} distinct (operation, check, status, message); ${totals.runningTime.toFixed(1)} s; seed ${settings.seed}\n`,
  );
  if (failures.length > 0) process.stdout.write(`\n==== distinct failures ====\n\n${formatFailures(failures)}\n`);
  return totals.generated > 0;
}

async function main(): Promise<void> {
  const started = Date.now();
  const st = path.join(ensureVenv('.venv-fuzz', SCHEMATHESIS, settings.python), 'st');
  rmSync(settings.reportDir, { recursive: true, force: true });
  mkdirSync(settings.reportDir, { recursive: true });
  log('starting the service...');
  const service = await startBenchEnvironment({}, 'fuzz');
  let exitCode: number;
  try {
    log(`service on ${service.url}; schemathesis, seed ${settings.seed}, up to ${settings.maxExamples} examples per operation`);
    const hooksToken = await createFuzzFixtures(service.url, service.adminToken);
    exitCode = await runSchemathesis(st, schemathesisArgs(service.url, service.adminToken), { url: service.url, token: hooksToken });
  } finally {
    log('stopping the service and dropping its database...');
    await service.stop();
  }
  const tested = printSummary();
  if (!tested) exitCode = 1;
  log(
    `${exitCode === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s (reports in ${path.relative(ROOT, settings.reportDir)}/)`,
  );
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  process.stderr.write(`[fuzz] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
