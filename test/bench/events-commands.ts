/**
 * npm run bench:events-commands — what a write costs the store and the service's CPU, pipeline
 * included, counted rather than timed (so it holds on a loaded machine): POST /users, then POST
 * /datasets, paced at BENCH_RATE (200) writes/s for BENCH_SECONDS (10), each until its last event is
 * in the audit log; the store commands the service sent (by command and collection, counted in its
 * driver by command-probe.js, split into those inside a request and those outside one: relay,
 * consumer) and its CPU ms, per write, and the store's (the local stack's FerretDB, when it runs
 * one). The clear of sent events, which runs once writers are quiet, is counted apart
 * (BENCH_CLEAR_SECONDS, 8, after each).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchEnvironment, printTable, startBenchEnvironment } from './bench-environment';
import { auditCount, awaitAudit, progress } from './events-load';
import { waitFor } from '../support/wait';
import { commandProbe, Counted as ProbeCounts } from './command-counts';
import { processCpuMs, storePid } from './process-cpu';

const rate = Number(process.env.BENCH_RATE ?? 200);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const clearSeconds = Number(process.env.BENCH_CLEAR_SECONDS ?? 8);
const CLIENTS = 20;
const probe = commandProbe();

/** What the probe counted since its previous read, and the store process's CPU ms meanwhile, when there is one to read. */
type Counted = ProbeCounts & { storeCpuMs?: number };

/** The store's CPU so far (ms) where it can be read: each count takes the difference since the previous one. */
let store: { pid: number; cpuMs: number } | undefined;

async function counted(bench: BenchEnvironment): Promise<Counted> {
  const storeCpu = store && processCpuMs(store.pid) - store.cpuMs;
  if (store) store.cpuMs += storeCpu ?? 0;
  const read = await probe.read(bench);
  return { ...read, ...(storeCpu === undefined ? {} : { storeCpuMs: storeCpu }) };
}

/** Per write of one count: rows of [where command collection, per write], the largest first, and the total. */
function perWrite(
  { counts, cpuMs, storeCpuMs }: Counted,
  writes: number,
): { rows: [string, string][]; total: number; cpuMs: number; storeCpuMs?: number } {
  const each = Object.entries(counts)
    .map(([name, { commands }]) => [name, commands / writes] as const)
    .filter(([, value]) => value >= 0.005)
    .sort((a, b) => b[1] - a[1]);
  return {
    rows: each.map(([name, value]) => [name, value.toFixed(2)]),
    total: each.reduce((sum, [, value]) => sum + value, 0),
    cpuMs: cpuMs / writes,
    ...(storeCpuMs === undefined ? {} : { storeCpuMs: storeCpuMs / writes }),
  };
}

async function paced(bench: BenchEnvironment, route: string, body: () => object): Promise<number> {
  const end = Date.now() + seconds * 1000;
  const interval = (CLIENTS * 1000) / rate;
  let created = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      let next = Date.now() + (client * interval) / CLIENTS;
      while (next < end) {
        await sleep(Math.max(0, next - Date.now()));
        next += interval;
        const response = await fetch(`${bench.url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminToken}` },
          body: JSON.stringify(body()),
        });
        if (response.status === 201) created++;
        // A write that failed is not counted: say why, so a count short of the rate is read for what it is.
        else if (++failed <= 5) progress(`${route}: ${response.status} ${await response.clone().text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  return created;
}

async function main(): Promise<void> {
  const bench = await startBenchEnvironment(probe.env);
  try {
    await waitFor(async () => (await auditCount(bench)) > 0, { what: 'the bootstrap events', timeoutMs: 30_000 });
    const pid = await storePid();
    if (pid !== undefined) store = { pid, cpuMs: processCpuMs(pid) };
    const routes: [string, string, () => object][] = [
      ['POST /users', '/users', () => ({ name: 'bench user', email: `${randomUUID()}@example.com` })],
      ['POST /datasets', '/datasets', () => ({ name: `bench ${randomUUID()}` })],
    ];
    for (const [label, route, body] of routes) {
      const before = await auditCount(bench);
      await counted(bench);
      progress(`${label} at ${rate}/s for ${seconds} s...`);
      const writes = await paced(bench, route, body);
      await awaitAudit(bench, before + writes, 120_000);
      const written = await counted(bench);
      await sleep(clearSeconds * 1000);
      const cleared = await counted(bench);
      const pipeline = perWrite(written, writes);
      const clear = perWrite(cleared, writes);
      process.stdout.write(
        `\n${label}, ${writes} writes at ${rate}/s: store commands per write, up to the last event in the audit log\n\n`,
      );
      printTable(
        ['where command collection', 'per write'],
        [
          ...pipeline.rows,
          ['total', pipeline.total.toFixed(2)],
          ['service CPU ms', pipeline.cpuMs.toFixed(2)],
          ...(pipeline.storeCpuMs === undefined ? [] : [['store CPU ms', pipeline.storeCpuMs.toFixed(2)] as [string, string]]),
        ],
      );
      process.stdout.write(
        `\nthen the clear of sent events (${clearSeconds} s): ${clear.total.toFixed(2)} commands, ${clear.cpuMs.toFixed(2)} service${clear.storeCpuMs === undefined ? '' : ` and ${clear.storeCpuMs.toFixed(2)} store`} CPU ms per write\n`,
      );
    }
  } finally {
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
