/**
 * npm run bench:events — the event pipeline (outbox → relay → Kafka →
 * consumer → audit log), in three parts, one service, one sitting:
 *
 * 1. Drain: BENCH_BACKLOG (20,000) users registered with POST /users/bulk
 *    while the benchmark holds the relay's lease (as a live relay elsewhere
 *    would), then the lease is let go: events/s until the last is in the
 *    audit log.
 * 2. Steady: POST /users paced at BENCH_RATE (200) writes/s from
 *    BENCH_CONNECTIONS (20) clients for BENCH_SECONDS (20): HTTP response →
 *    audit log latency.
 * 3. Ramp: BENCH_RATES (100,…,1500) writes/s, BENCH_STEP_SECONDS (10) each,
 *    with rate/10 clients (at least 20): the highest rate the HTTP API
 *    sustains (answers ≥ 97 % of what is offered, none failing), its e2e p99,
 *    the most it answered when offered more, and the knee (the first rate
 *    whose p99 passes 1 s).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { printTable, startBenchEnvironment } from './bench-environment';
import { withDatabase } from '../support/mongo';
import { waitFor } from '../support/wait';
import {
  auditCount,
  awaitAudit,
  bulkUsers,
  e2eLatencies,
  LoadResult,
  pacedWrites,
  pauseRelay,
  percentile,
  progress,
  resumeRelay,
} from './events-load';
import { recordTimes, stagesOf } from './events-stages';

const backlog = Number(process.env.BENCH_BACKLOG ?? 20_000);
const rate = Number(process.env.BENCH_RATE ?? 200);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const rates = (process.env.BENCH_RATES ?? '100,200,400,600,800,1000,1500').split(',').map(Number);
const stepSeconds = Number(process.env.BENCH_STEP_SECONDS ?? 10);
const KNEE_MS = 1000;
/** A step is sustained when the API answers at least this share of the rate offered. */
const SUSTAINED_SHARE = 0.97;
const AUDIT_TIMEOUT_MS = 600_000;
const DRAIN_TIMEOUT_MS = Number(process.env.BENCH_DRAIN_TIMEOUT_SECONDS ?? 600) * 1000;

type Row = (string | number)[];

async function main(): Promise<void> {
  const bench = await startBenchEnvironment();
  const rows: Row[] = [];
  const summary: Row[] = [];
  const loads: { label: string; load: LoadResult }[] = [];
  try {
    // Whatever start-up published (the bootstrap admin) is in before the count starts.
    await waitFor(async () => (await auditCount(bench)) > 0, { what: 'the bootstrap events', timeoutMs: 30_000 });
    const before = await auditCount(bench);

    if (backlog > 0) {
      progress(`drain: holding the relay's lease, registering ${backlog} users...`);
      await pauseRelay(bench);
      // A relay that led until now notices the lease gone when it next renews it (every 5 s).
      await sleep(6_000);
      await bulkUsers(bench, backlog);
      progress('drain: lease let go');
      const releasedAt = Date.now();
      await resumeRelay(bench);
      // A pipeline too slow to drain within the timeout is reported at the rate it managed.
      const drained = await awaitAudit(bench, before + backlog, DRAIN_TIMEOUT_MS).then(
        () => backlog,
        async () => (await auditCount(bench)) - before,
      );
      const lastAt = await withDatabase(bench.env.MONGODB_URI ?? '', async (db) => {
        const [last] = await db.collection<{ receivedAt: Date }>('events').find().sort({ receivedAt: -1 }).limit(1).toArray();
        return last.receivedAt.getTime();
      });
      const drainS = (lastAt - releasedAt) / 1000;
      const perSecond = Math.round(drained / drainS);
      const what = drained < backlog ? `${drained} of ${backlog}` : `${backlog}`;
      progress(`drain: ${what} events in ${drainS.toFixed(1)} s = ${perSecond} events/s`);
      // The next phases measure a pipeline with nothing queued.
      if (drained < backlog) await awaitAudit(bench, before + backlog, AUDIT_TIMEOUT_MS);
      summary.push(['drain rate', `${perSecond} events/s (${what} in ${drainS.toFixed(1)} s)`]);
    }

    const measure = async (
      label: string,
      offered: number,
      clients: number,
      duration: number,
    ): Promise<{ load: LoadResult; e2e: number[] }> => {
      progress(`${label}: POST /users at ${offered}/s from ${clients} clients for ${duration} s...`);
      const startCount = await auditCount(bench);
      const load = await pacedWrites(bench, offered, duration, clients);
      progress(`${label}: ${load.respondedAt.size} writes acknowledged (${load.achieved.toFixed(0)}/s, ${load.failures} failed)`);
      const e2e = e2eLatencies(load, await awaitAudit(bench, startCount + load.respondedAt.size, AUDIT_TIMEOUT_MS));
      loads.push({ label: `${label} ${offered}/s`, load });
      rows.push([
        label,
        offered,
        Math.round(load.achieved),
        load.respondedAt.size,
        load.failures,
        percentile(load.writeLatencies, 99),
        percentile(e2e, 50),
        percentile(e2e, 99),
        e2e[e2e.length - 1],
      ]);
      progress(`${label}: e2e p50 ${percentile(e2e, 50)} ms, p99 ${percentile(e2e, 99)} ms`);
      return { load, e2e };
    };

    const steady = await measure('steady', rate, connections, seconds);
    summary.push([`e2e p99 at ${rate}/s`, `${percentile(steady.e2e, 99)} ms`]);

    let best: { offered: number; achieved: number; p99: number } | undefined;
    let most: { offered: number; achieved: number; p99: number } | undefined;
    let knee: number | undefined;
    for (const offered of rates) {
      const { load, e2e } = await measure('ramp', offered, Math.max(20, Math.ceil(offered / 10)), stepSeconds);
      const p99 = percentile(e2e, 99);
      if (knee === undefined && p99 > KNEE_MS) knee = offered;
      const step = { offered, achieved: load.achieved, p99 };
      // Sustained: the API answered what was offered, all of it. Past that, writes wait in the clients.
      if (load.failures === 0 && load.achieved >= SUSTAINED_SHARE * offered) best = step;
      if (!most || load.achieved > most.achieved) most = step;
      // The API no longer keeps up with what is offered: higher rates only queue in the clients.
      if (load.achieved < 0.8 * offered) break;
    }
    if (best)
      summary.push([
        'highest write rate sustained',
        `${best.offered} writes/s offered, ${Math.round(best.achieved)}/s answered, e2e p99 ${best.p99} ms`,
      ]);
    if (most && most !== best) {
      summary.push([
        'most answered (overloaded)',
        `${Math.round(most.achieved)} writes/s of ${most.offered}/s offered, e2e p99 ${most.p99} ms`,
      ]);
    }
    summary.push(['knee (p99 > 1 s)', knee === undefined ? `none up to the rates tried` : `${knee} writes/s offered`]);

    process.stdout.write(`\nEvent pipeline: HTTP response → audit log (${new Date().toISOString()})\n\n`);
    printTable(['phase', 'offered/s', 'achieved/s', 'writes', 'failed', 'write p99 ms', 'e2e p50 ms', 'e2e p99 ms', 'e2e max ms'], rows);
    process.stdout.write('\n');
    printTable(['', ''], summary);

    // Where each write's event spent its time, p50 / p99 ms per stage (docs/benchmarks.md#fourth-round-event-latency-issue20-ev).
    const times = await recordTimes(bench);
    const stageRows: Row[] = [];
    for (const { label, load } of loads) {
      const { write, toSend, toAudit } = await stagesOf(bench, load, times);
      stageRows.push([label, write.join(' / '), toSend.join(' / '), toAudit.join(' / ')]);
    }
    process.stdout.write('\n');
    printTable(['phase', 'event → HTTP response', 'response → sent', 'sent → audit entry'], stageRows);
  } finally {
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
