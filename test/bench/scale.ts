/**
 * npm run bench:scale — how the key lookups grow with the registry.
 *
 * Fills the registry to each of BENCH_SIZES datasets (default 1000,10000,100000)
 * over BENCH_USERS users (100) with `POST /datasets/bulk` (1,000 a call), and
 * at each size prints the median ms of BENCH_CALLS calls (15) of each route,
 * the fill rate, and the raw driver's `insertMany` of the same documents into
 * a collection with the same indexes (measured in the same run, as the
 * baseline of the fill). Each size is measured once the fill's events are out
 * (no outbox marker left), so the relay's tail does not weigh on the lookups;
 * the fill table says how long that took, and how long the service then takes to restart (stop,
 * start, answer) on that much data. The last table is each route's median at the largest
 * size over the smallest: the key lookups' target is ≤ 1.5×.
 */
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { printTable, startBenchEnvironment } from './bench-environment';

const settings = {
  sizes: (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number),
  users: Number(process.env.BENCH_USERS ?? 100),
  calls: Number(process.env.BENCH_CALLS ?? 15),
  /** BENCH_SEARCHES=0: skip the global searches (they scan on FerretDB: minutes per size at 100,000). */
  searches: process.env.BENCH_SEARCHES !== '0',
  /** Calls of each global search (BENCH_SEARCH_CALLS, default BENCH_CALLS): fewer keep a 100,000 run within minutes. */
  searchCalls: Number(process.env.BENCH_SEARCH_CALLS ?? process.env.BENCH_CALLS ?? 15),
};
const BULK = 1000;
/** The lookups by key, which must stay flat; the others are global searches that may scan on FerretDB. */
const KEY_LOOKUPS = [
  'ownerId=',
  'ownerId=&limit=10',
  'users/{id}',
  'users/{id}/datasets',
  'users/{id}/datasets?limit=10',
  'datasets/{id}',
  'datasets/{seq}',
  // A number nobody holds (404): before the seq keys came first, it read every dataset by number.
  'datasets/{missing seq}',
  'POST',
  'rename',
];

let authorization = '';

/** Waits until the outbox has no marker left (every event of the fill relayed); returns the seconds waited. */
async function eventsSettled(db: mongo.Db): Promise<number> {
  const started = performance.now();
  for (;;) {
    const waiting = await db.collection('outbox_markers').countDocuments();
    const seconds = (performance.now() - started) / 1000;
    if (waiting === 0) return seconds;
    if (seconds > 600) throw new Error(`${waiting} entities still have events waiting after 10 minutes`);
    process.stderr.write(`\r[bench] waiting for the fill's events: ${waiting} entities left, ${Math.round(seconds)} s   `);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function call(url: string, init: RequestInit = {}, expected?: number): Promise<unknown> {
  const headers = { 'content-type': 'application/json', authorization };
  const response = await fetch(url, { ...init, headers });
  const body = await response.json();
  if (expected ? response.status !== expected : !response.ok) {
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${JSON.stringify(body)}`);
  }
  return body;
}

const datasetItem = (i: number, ownerId: string): object => ({
  name: `scale ${i}`,
  ownerId,
  description: `dataset number ${i} of the scale benchmark`,
  tags: [`tag-${i % 50}`, 'scale'],
  frequency: '1h',
  fields: [{ name: 'value', type: 'number', unit: 'kW' }],
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeEach(calls: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Inserts the service's own stored documents again, under new ids, into `raw` with the raw driver; returns docs/s. */
async function rawInsertRate(db: mongo.Db, count: number, round: number): Promise<number> {
  const sample = await db.collection('datasets').find({}).limit(BULK).toArray();
  let elapsed = 0;
  for (let done = 0; done < count; done += BULK) {
    const batch = sample.slice(0, Math.min(BULK, count - done)).map((doc, i) => ({
      ...doc,
      _id: new mongo.ObjectId(),
      seq: 1e9 + round * 1e7 + done + i,
      nameKey: `${String(doc.nameKey)} ${round}-${done + i}`,
    }));
    const started = performance.now();
    await db.collection('raw_datasets').insertMany(batch, { ordered: false });
    elapsed += performance.now() - started;
  }
  return count / (elapsed / 1000);
}

async function main(): Promise<void> {
  const bench = await startBenchEnvironment();
  authorization = `Bearer ${bench.adminToken}`;
  const uri = bench.env.MONGODB_URI ?? '';
  const client = new mongo.MongoClient(uri);
  await client.connect();
  const db = client.db();
  try {
    const users = (await call(`${bench.url}/users/bulk`, {
      method: 'POST',
      body: JSON.stringify(
        Array.from({ length: settings.users }, (_, i) => ({ name: `scale ${i}`, email: `scale-${i}-${randomUUID()}@example.com` })),
      ),
    })) as { items: { item: { id: string } }[] };
    const userIds = users.items.map(({ item }) => item.id);
    // The raw baseline's collection gets the datasets collection's indexes.
    const indexes = await db.collection('datasets').listIndexes().toArray();
    for (const { key, unique } of indexes.filter(({ name }) => name !== '_id_')) {
      await db.collection('raw_datasets').createIndex(key as mongo.IndexSpecification, unique ? { unique: true } : {});
    }

    const lookups: (string | number)[][] = [];
    const fills: (string | number)[][] = [];
    const medians = new Map<number, number[]>();
    let filled = 0;
    const datasets: { id: string; seq: number }[] = [];
    for (const [round, size] of settings.sizes.entries()) {
      const started = performance.now();
      const from = filled;
      while (filled < size) {
        const count = Math.min(BULK, size - filled);
        const items = Array.from({ length: count }, (_, i) => datasetItem(filled + i, userIds[(filled + i) % userIds.length]));
        const result = (await call(`${bench.url}/datasets/bulk`, { method: 'POST', body: JSON.stringify(items) })) as {
          created: number;
          items: { item: { id: string; seq: number } }[];
        };
        if (result.created !== count) throw new Error(`bulk: ${result.created} of ${count} created`);
        if (datasets.length < 1000) datasets.push(...result.items.slice(0, 10).map(({ item }) => ({ id: item.id, seq: item.seq })));
        filled += count;
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(`\r[bench] filling ${filled}/${size} datasets, ${Math.round((filled - from) / seconds)}/s   `);
      }
      const fillSeconds = (performance.now() - started) / 1000;
      const settleSeconds = await eventsSettled(db);
      process.stderr.write(`\n[bench] ${size}: raw driver insertMany of the same ${size - from} documents...\n`);
      const serviceRate = (size - from) / fillSeconds;
      const rawRate = await rawInsertRate(db, size - from, round);
      fills.push([
        size,
        fillSeconds.toFixed(1),
        settleSeconds.toFixed(1),
        Math.round(serviceRate),
        Math.round(rawRate),
        (serviceRate / rawRate).toFixed(2),
      ]);

      process.stderr.write(`[bench] ${size}: ${settings.calls} calls of each route...\n`);
      const user = (i: number): string => userIds[(i * 7) % userIds.length];
      const dataset = (i: number): { id: string; seq: number } => datasets[(i * 13) % datasets.length];
      const row = [
        settings.searches ? await timeEach(settings.searchCalls, (i) => call(`${bench.url}/datasets?tags=tag-${i % 50}`)) : NaN,
        settings.searches
          ? await timeEach(settings.searchCalls, (i) => call(`${bench.url}/datasets?q=${encodeURIComponent(`number ${i}1`)}`))
          : NaN,
        await timeEach(settings.calls, (i) => call(`${bench.url}/datasets?ownerId=${user(i)}`)),
        // The same page size at every size (the default page holds up to 50: 10 at 1,000 datasets over 100 users).
        await timeEach(settings.calls, (i) => call(`${bench.url}/datasets?ownerId=${user(i)}&limit=10`)),
        await timeEach(settings.calls, (i) => call(`${bench.url}/users/${user(i)}`)),
        await timeEach(settings.calls, (i) => call(`${bench.url}/users/${user(i)}/datasets`)),
        await timeEach(settings.calls, (i) => call(`${bench.url}/users/${user(i)}/datasets?limit=10`)),
        await timeEach(settings.calls, (i) => call(`${bench.url}/datasets/${dataset(i).id}`)),
        await timeEach(settings.calls, (i) => call(`${bench.url}/datasets/${dataset(i).seq}`)),
        await timeEach(settings.calls, (i) => call(`${bench.url}/datasets/${900_000_000 + i}`, {}, 404)),
        await timeEach(settings.calls, (i) =>
          call(`${bench.url}/datasets`, { method: 'POST', body: JSON.stringify(datasetItem(1e7 + round * 1e4 + i, user(i))) }),
        ),
        await timeEach(settings.calls, (i) =>
          call(`${bench.url}/datasets/${dataset(i).id}`, { method: 'PATCH', body: JSON.stringify({ name: `renamed ${round} ${i}` }) }),
        ),
      ];
      // How long a new process takes to answer on this much data (a boot must not read every dataset).
      const bootStarted = performance.now();
      await bench.restart();
      fills.at(-1)?.push(((performance.now() - bootStarted) / 1000).toFixed(1));
      medians.set(size, row);
      lookups.push([size, ...row.map((ms) => ms.toFixed(1))]);
      // Each size's results as soon as they are known: a long run stopped later still leaves them.
      process.stderr.write(`[bench] ${size}: fill ${fills.at(-1)?.join(' | ')}; medians ${lookups.at(-1)?.join(' | ')}\n`);
    }

    // The columns in the order `row` measures them: the two global searches, then the key lookups.
    const headers = ['tags=', 'q=', ...KEY_LOOKUPS];
    process.stdout.write(`\nmedian ms of ${settings.calls} calls (admin token), ${settings.users} users\n`);
    printTable(['datasets', ...headers], lookups);
    process.stdout.write('\nfill: POST /datasets/bulk (1,000 a call) vs the raw driver insertMany of the same documents\n');
    printTable(['datasets', 'fill s', 'events out after s', 'service/s', 'raw/s', 'service/raw', 'restart s'], fills);
    const [smallest, largest] = [settings.sizes[0], settings.sizes[settings.sizes.length - 1]];
    if (smallest !== largest) {
      const small = medians.get(smallest) ?? [];
      const large = medians.get(largest) ?? [];
      process.stdout.write(`\nmedian at ${largest} / median at ${smallest} (key lookups: target ≤ 1.5×)\n`);
      printTable(
        ['route', 'ratio', 'key lookup'],
        headers.map((name, i) => [name, `${(large[i] / small[i]).toFixed(2)}×`, KEY_LOOKUPS.includes(name) ? 'yes' : 'no (may scan)']),
      );
    }
  } finally {
    await client.close();
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
