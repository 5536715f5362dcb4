/**
 * npm run bench:api — request latency of the users and datasets routes under
 * load, measured with autocannon against the built service on the local stack.
 *
 * The registry is seeded first (BENCH_USERS users, BENCH_DATASETS datasets
 * spread over a tenth of them); reads run for BENCH_SECONDS each on that
 * fixed data, then BENCH_CREATES creates of each kind. Concurrency:
 * BENCH_CONNECTIONS. METRICS_ENABLED is passed on to the service.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { withDatabase } from '../support/mongo';
import { waitFor } from '../support/wait';
import { printTable, startBenchEnvironment } from './bench-environment';

const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  users: Number(process.env.BENCH_USERS ?? 1000),
  datasets: Number(process.env.BENCH_DATASETS ?? 1000),
  creates: Number(process.env.BENCH_CREATES ?? 2000),
};

/** Every request is the bootstrap admin's (set once the service is up). */
let authorization = '';

interface Measured {
  route: string;
  result: autocannon.Result;
}

async function load(route: string, options: autocannon.Options): Promise<Measured> {
  const what = options.amount ? `${options.amount} requests` : `${options.duration} s`;
  process.stderr.write(`[bench] ${route}: ${settings.connections} connections, ${what}...\n`);
  const result = await autocannon({ connections: settings.connections, ...options, headers: { ...options.headers, authorization } });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${route}: ${failed} failed requests (non-2xx ${result.non2xx}, errors ${result.errors})`);
  return { route, result };
}

/** Registers `items` in bulk requests of up to 1,000 and returns their ids. */
async function seed(url: string, items: unknown[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < items.length; i += 1000) {
    const batch = items.slice(i, i + 1000);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(batch),
    });
    const body = (await response.json()) as { created: number; items: { item: { id: string } }[] };
    if (!response.ok || body.created !== batch.length) throw new Error(`seeding ${url} failed: ${response.status}`);
    ids.push(...body.items.map((outcome) => outcome.item.id));
  }
  return ids;
}

const jsonPost = (body: () => unknown): Partial<autocannon.Options> => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify(body()) }) }],
});

async function main(): Promise<void> {
  // METRICS_ENABLED=false measures the service without its metrics (README, Operating it).
  const bench = await startBenchEnvironment(process.env.METRICS_ENABLED ? { METRICS_ENABLED: process.env.METRICS_ENABLED } : {});
  authorization = `Bearer ${bench.adminToken}`;
  try {
    process.stderr.write(`[bench] seeding ${settings.users} users and ${settings.datasets} datasets...\n`);
    const userIds = await seed(
      `${bench.url}/users/bulk`,
      Array.from({ length: settings.users }, (_, i) => ({
        name: `seed ${i}`,
        email: `seed-${i}-${randomUUID()}@example.com`,
        organization: `org-${i % 10}`,
      })),
    );
    const owners = userIds.slice(0, Math.max(1, Math.floor(userIds.length / 10)));
    const datasetIds = await seed(
      `${bench.url}/datasets/bulk`,
      Array.from({ length: settings.datasets }, (_, i) => ({
        ownerId: owners[i % owners.length],
        name: `seed-${i}`,
        tags: ['seed', `t${i % 7}`],
        frequency: '1m',
      })),
    );
    // Let the event pipeline publish and consume the seed's events, so reads are measured on a quiet service.
    await waitFor(
      () =>
        withDatabase(
          bench.env.MONGODB_URI ?? '',
          async (db) =>
            (await db.collection('outbox_markers').countDocuments()) === 0 &&
            (await db.collection('events').countDocuments()) >= userIds.length + datasetIds.length,
        ),
      { what: 'the seed events to be relayed', timeoutMs: 300_000, intervalMs: 1000 },
    );
    const randomOf = (ids: string[]): string => ids[Math.floor(Math.random() * ids.length)];
    const byPath = (path: () => string): Partial<autocannon.Options> => ({
      requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }],
    });

    const runs: Measured[] = [];
    const read = async (route: string, options: Partial<autocannon.Options>): Promise<void> => {
      runs.push(await load(route, { url: bench.url, duration: settings.seconds, ...options }));
    };
    await read(
      'GET /datasets/:id',
      byPath(() => `/datasets/${randomOf(datasetIds)}`),
    );
    await read(
      'GET /users/:id',
      byPath(() => `/users/${randomOf(userIds)}`),
    );
    await read(
      'GET /users/:id (an owner)',
      byPath(() => `/users/${randomOf(owners)}`),
    );
    await read(
      'GET /users?organization=…&limit=50',
      byPath(() => `/users?organization=org-${Math.floor(Math.random() * 10)}&limit=50`),
    );
    await read(
      'GET /datasets?tags=…&limit=50',
      byPath(() => `/datasets?tags=t${Math.floor(Math.random() * 7)}&limit=50`),
    );

    let n = 0;
    runs.push(
      await load('POST /users', {
        url: `${bench.url}/users`,
        amount: settings.creates,
        ...jsonPost(() => ({ name: `user ${++n}`, email: `u${n}-${randomUUID()}@example.com` })),
      }),
    );
    runs.push(
      await load('POST /datasets', {
        url: `${bench.url}/datasets`,
        amount: settings.creates,
        ...jsonPost(() => ({
          ownerId: owners[++n % owners.length],
          name: `dataset-${n}`,
          tags: ['bench', 'energy'],
          frequency: '1m',
          fields: [{ name: 'value', type: 'number', unit: 'kW' }],
        })),
      }),
    );

    process.stdout.write(
      `\nLatency under load: ${settings.connections} connections; reads ${settings.seconds} s each on ${settings.users} users / ` +
        `${settings.datasets} datasets, then ${settings.creates} creates of each kind (${new Date().toISOString()})\n\n`,
    );
    printTable(
      ['route', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      runs.map(({ route, result }) => [
        route,
        result.requests.total,
        Math.round(result.requests.average),
        result.latency.p50,
        result.latency.p90,
        result.latency.p99,
        result.latency.max,
      ]),
    );
  } finally {
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
