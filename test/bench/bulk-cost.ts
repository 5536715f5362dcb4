/**
 * npm run bench:bulk-cost — what one `POST /datasets/bulk` of 1,000 datasets over
 * BENCH_USERS owners (100) costs the store and the service, counted rather than timed (load-insensitive): the store
 * commands and the documents they carry (and their summed round-trip ms, which do depend on load), by command and collection (driver command monitoring, test/bench/command-probe.js
 * preloaded into the service), and the service's CPU time, for the call itself and for the tail after it (the relay sending
 * the call's events). BENCH_CALLS calls (5) after one warm-up call; per-call averages.
 */
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { printTable, startBenchEnvironment } from './bench-environment';
import { commandProbe, Counted } from './command-counts';
import { processCpuMs, storePid as findStorePid } from './process-cpu';

const USERS = Number(process.env.BENCH_USERS ?? 100);
const CALLS = Number(process.env.BENCH_CALLS ?? 5);
const BULK = 1000;

async function main(): Promise<void> {
  const counter = commandProbe();
  const bench = await startBenchEnvironment({
    ...counter.env,
    NODE_OPTIONS: `${counter.env.NODE_OPTIONS ?? ''} ${process.env.BENCH_NODE_OPTIONS ?? ''}`,
  });
  const client = new mongo.MongoClient(bench.env.MONGODB_URI ?? '');
  await client.connect();
  const storePid = await findStorePid();
  const call = async (url: string, body: unknown): Promise<{ created: number; items: { item: { id: string } }[] }> => {
    const response = await fetch(`${bench.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminToken}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { created: number; items: { item: { id: string } }[] };
  };
  /** The probe's counts since the last read. */
  const probe = (): Promise<Counted> => counter.read(bench);
  const settled = async (): Promise<void> => {
    while ((await client.db().collection('outbox_markers').countDocuments()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  try {
    const users = await call(
      '/users/bulk',
      Array.from({ length: USERS }, (_, i) => ({ name: `cost ${i}`, email: `cost-${i}-${randomUUID()}@example.com` })),
    );
    const owners = users.items.map(({ item }) => item.id);
    const items = (round: number): object[] =>
      Array.from({ length: BULK }, (_, i) => ({
        name: `cost ${round} ${i}`,
        ownerId: owners[i % owners.length],
        description: `dataset ${i} of round ${round}`,
        tags: [`tag-${i % 50}`, 'cost'],
        frequency: '1h',
        fields: [{ name: 'value', type: 'number', unit: 'kW' }],
      }));
    const total = new Map<string, { commands: number; documents: number; ms: number }>();
    let [callCpu, tailCpu, callMs, callStore, tailStore] = [0, 0, 0, 0, 0];
    for (let round = 0; round <= CALLS; round++) {
      await settled();
      await probe();
      const store = processCpuMs(storePid);
      const started = performance.now();
      const result = await call('/datasets/bulk', items(round));
      const ms = performance.now() - started;
      if (result.created !== BULK) throw new Error(`bulk: ${result.created} of ${BULK} created`);
      const during = await probe();
      const storeDuring = processCpuMs(storePid) - store;
      await settled();
      const after = await probe();
      const storeAfter = processCpuMs(storePid) - store - storeDuring;
      process.stderr.write(
        `[bench] call ${round}${round === 0 ? ' (warm-up)' : ''}: ${Math.round(ms)} ms, CPU ${Math.round(during.cpuMs)} + ${Math.round(after.cpuMs)} ms, store CPU ${Math.round(storeDuring)} + ${Math.round(storeAfter)} ms\n`,
      );
      if (round === 0) continue;
      callMs += ms;
      callCpu += during.cpuMs;
      tailCpu += after.cpuMs;
      callStore += storeDuring;
      tailStore += storeAfter;
      const counted = [
        ...Object.entries(during.counts),
        // After the call, everything is the tail's (the relay, the consumer): counted apart from the call's own outside work.
        ...Object.entries(after.counts).map(([key, entry]) => [`tail ${key.split(' ').slice(1).join(' ')}`, entry] as const),
      ];
      for (const [key, { commands, documents, ms: roundTrips }] of counted) {
        const entry = total.get(key) ?? { commands: 0, documents: 0, ms: 0 };
        total.set(key, { commands: entry.commands + commands, documents: entry.documents + documents, ms: entry.ms + roundTrips });
      }
    }
    const rows = [...total]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, { commands, documents, ms }]) => [
        key,
        (commands / CALLS).toFixed(1),
        (documents / CALLS).toFixed(1),
        Math.round(ms / CALLS),
      ]);
    const sum = (side: string, field: 'commands' | 'documents' | 'ms'): string =>
      ([...total].filter(([key]) => key.startsWith(side)).reduce((n, [, entry]) => n + entry[field], 0) / CALLS).toFixed(
        field === 'ms' ? 0 : 1,
      );
    for (const side of ['request', 'outside', 'tail'])
      rows.push([`${side} total`, sum(side, 'commands'), sum(side, 'documents'), sum(side, 'ms')]);
    process.stdout.write(
      `\nper POST /datasets/bulk of ${BULK} over ${USERS} owners, mean of ${CALLS} calls: request and outside during the call, tail after it until its events are out\n`,
    );
    // Round-trip ms include waiting for the store (FerretDB writes one statement at a time): they say where a call waits.
    printTable(['side command collection', 'commands', 'documents', 'round-trip ms'], rows);
    process.stdout.write(
      `\nwall ${Math.round(callMs / CALLS)} ms per call; service CPU ${Math.round(callCpu / CALLS)} ms during the call, ${Math.round(tailCpu / CALLS)} ms after it until its events are out; store (FerretDB) CPU ${Math.round(callStore / CALLS)} ms during, ${Math.round(tailStore / CALLS)} ms after\n`,
    );
  } finally {
    await client.close();
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
