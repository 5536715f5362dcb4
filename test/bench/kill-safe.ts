/**
 * npm run bench:kill — the kill test at the size: BENCH_INSTANCES
 * instances (default 3) of the built service on one database, topic and
 * consumer group, a paced write load for BENCH_SECONDS (default 60), one
 * instance SIGKILLed every BENCH_KILL_EVERY seconds (default 10) and
 * restarted 2.5 s later. Prints the table (docs/operations.md#running-several-instances).
 * Needs the local stack's MONGODB_URI and KAFKA_BROKERS.
 */
import { benchStack } from './bench-environment';
import { eventId, killRun, KillRunResult, matches } from '../support/kill-run';

interface KillRunSummary {
  'writes acknowledged': number;
  kills: number;
  'events on topic': number;
  'duplicates re-published': string;
  missing: number;
  'audit catch-up after load end (s)': number;
  'audit catch-up after last kill (s)': number;
  'writes before the last kill on the topic after it (s)': number;
  'writes before the last kill audited after it (s)': number;
  'restart time (s, max)': number;
  'cold boot (s, max)': number;
  'lock-free time (s, max; samples)': string;
  '409s': number;
  '5xx': number;
}

/** The table: what a kill run did, in numbers. */
function summarize(result: KillRunResult): KillRunSummary {
  const distinct = new Set(result.topic.map(eventId)).size;
  const missing = result.acknowledged.filter((write) => !result.topic.some((record) => matches(record, write))).length;
  const seconds = (ms: number): number => Math.round(ms / 100) / 10;
  const max = (values: number[]): number => (values.length > 0 ? seconds(Math.max(...values)) : 0);
  const duplicates = result.topic.length - distinct;
  return {
    'writes acknowledged': result.acknowledged.length,
    kills: result.kills,
    'events on topic': distinct,
    'duplicates re-published': `${duplicates} (${Math.round((100 * duplicates) / Math.max(result.topic.length, 1))}%)`,
    missing,
    'audit catch-up after load end (s)': seconds(result.caughtUpAt - result.loadEndedAt),
    'audit catch-up after last kill (s)': seconds(result.caughtUpAt - result.lastKillAt),
    'writes before the last kill on the topic after it (s)': seconds(result.onTopicAt - result.lastKillAt),
    'writes before the last kill audited after it (s)': seconds(result.recoveredAt - result.lastKillAt),
    'restart time (s, max)': max(result.restartMs),
    'cold boot (s, max)': max(result.coldBootMs),
    'lock-free time (s, max; samples)': `${max(result.lockFreeMs)}; ${result.lockFreeMs.length}`,
    '409s': result.conflicts,
    '5xx': result.serverErrors.length,
  };
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  // killRun works on MONGODB_URI and KAFKA_BROKERS, as the e2e test's environment sets them.
  const { base, stopStack } = await benchStack();
  Object.assign(process.env, base);
  const result = await killRun({
    instances: Number(process.env.BENCH_INSTANCES ?? 3),
    loadSeconds: seconds,
    killEveryMs: Number(process.env.BENCH_KILL_EVERY ?? 10) * 1000,
    killsStopBeforeEndMs: 0,
    restartAfterMs: 2500,
    clients: Number(process.env.BENCH_CLIENTS ?? 6),
    pauseMs: 25,
    catchUpTimeoutMs: Number(process.env.BENCH_CATCHUP_TIMEOUT ?? 300) * 1000,
  });
  const summary = summarize(result);
  const width = Math.max(...Object.keys(summary).map((key) => key.length));
  for (const [key, value] of Object.entries(summary)) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
  for (const error of result.serverErrors.slice(0, 5)) process.stdout.write(`5xx: ${error}\n`);
  await stopStack();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
