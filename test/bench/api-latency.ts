/**
 * npm run bench:api — the service's CRUD routes against a bare baseline.
 *
 * Starts the built service and a bare node:http server doing the same store
 * work (bare-server.ts: the MongoDB driver, kafkajs, a token map) on the same
 * store and broker, each with a database and topic of its own, seeds both
 * (BENCH_USERS users, BENCH_DATASETS datasets over a tenth of them), then runs
 * each route for BENCH_SECONDS with autocannon, BENCH_ROUNDS rounds, service
 * and baseline alternating (who goes first alternates too), BENCH_CONNECTIONS
 * connections. Prints req/s (over all rounds), the median p99 of the rounds,
 * and the ratios service/baseline (targets: req/s ≥ 0.7×, p99 ≤ 2×). Each route
 * starts once the service's event pipeline is idle (no markers, no sent events waiting to be cleared).
 * METRICS_ENABLED and the OTEL_* variables are passed on to the service.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { testKafka } from '../support/kafka';
import { uriWithDatabase, withDatabase } from '../support/mongo';
import { waitFor } from '../support/wait';
import { startBareServer } from './bare-server';
import { printTable, startBenchEnvironment } from './bench-environment';

const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
  seconds: Number(process.env.BENCH_SECONDS ?? 5),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  users: Number(process.env.BENCH_USERS ?? 1000),
  datasets: Number(process.env.BENCH_DATASETS ?? 1000),
};

/** Every request is the bootstrap admin's (set once the service is up); the baseline's map knows the same token. */
let authorization = '';

async function load(what: string, options: autocannon.Options): Promise<autocannon.Result> {
  process.stderr.write(`[bench] ${what}: ${settings.connections} connections, ${settings.seconds} s...\n`);
  const result = await autocannon({
    connections: settings.connections,
    duration: settings.seconds,
    ...options,
    headers: { ...options.headers, authorization },
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${what}: ${failed} failed requests (non-2xx ${result.non2xx}, errors ${result.errors})`);
  return result;
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

/** The baseline's copy of the seed: the same documents under new ids, straight through the driver. */
async function seedBare(
  uri: string,
  users: object[],
  datasets: (owners: string[]) => object[],
): Promise<{ users: string[]; datasets: string[] }> {
  return withDatabase(uri, async (db) => {
    const withIds = (docs: object[]): ({ _id: mongo.ObjectId } & object)[] => docs.map((doc) => ({ _id: new mongo.ObjectId(), ...doc }));
    const userDocs = withIds(users);
    await db.collection('users').insertMany(userDocs);
    const userIds = userDocs.map(({ _id }) => _id.toHexString());
    const datasetDocs = withIds(datasets(userIds.slice(0, Math.max(1, Math.floor(userIds.length / 10)))));
    await db.collection('datasets').insertMany(datasetDocs);
    return { users: userIds, datasets: datasetDocs.map(({ _id }) => _id.toHexString()) };
  });
}

const jsonPost = (body: () => unknown): Partial<autocannon.Options> => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify(body()) }) }],
});

const randomOf = (ids: string[]): string => ids[Math.floor(Math.random() * ids.length)];
const byPath = (path: () => string): Partial<autocannon.Options> => ({
  requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }],
});

const userItem = (i: number): object => ({
  name: `seed ${i}`,
  email: `seed-${i}-${randomUUID()}@example.com`,
  organization: `org-${i % 10}`,
});
const datasetItem =
  (owners: string[]) =>
  (_: unknown, i: number): object => ({
    ownerId: owners[i % owners.length],
    name: `seed-${i}`,
    tags: ['seed', `t${i % 7}`],
    frequency: '1m',
  });

/** The routes compared, each given the ids of its side's seed. */
function routes(ids: { users: string[]; datasets: string[] }): [string, Partial<autocannon.Options> & { path?: string }][] {
  const owners = ids.users.slice(0, Math.max(1, Math.floor(ids.users.length / 10)));
  let n = 0;
  return [
    ['POST /users', { path: '/users', ...jsonPost(() => ({ name: `user ${++n}`, email: `u${n}-${randomUUID()}@example.com` })) }],
    ['GET /users/{id}', byPath(() => `/users/${randomOf(ids.users)}`)],
    [
      'POST /datasets',
      {
        path: '/datasets',
        ...jsonPost(() => ({
          ownerId: owners[++n % owners.length],
          name: `dataset-${n}-${randomUUID().slice(0, 8)}`,
          tags: ['bench', 'energy'],
          frequency: '1m',
          fields: [{ name: 'value', type: 'number', unit: 'kW' }],
        })),
      },
    ],
    ['GET /datasets/{id}', byPath(() => `/datasets/${randomOf(ids.datasets)}`)],
  ];
}

async function main(): Promise<void> {
  // METRICS_ENABLED=false measures the service without its metrics, an OTLP endpoint with its traces (docs/operations.md, docs/benchmarks.md).
  const passed = Object.entries(process.env).filter(([name]) => name === 'METRICS_ENABLED' || name.startsWith('OTEL_'));
  const bench = await startBenchEnvironment(Object.fromEntries(passed));
  authorization = `Bearer ${bench.adminToken}`;
  const bareUri = uriWithDatabase(bench.env.MONGODB_URI ?? '', `${new URL(bench.env.MONGODB_URI ?? '').pathname.slice(1)}_bare`);
  const bareTopic = `${bench.env.KAFKA_TOPIC ?? ''}_bare`;
  const admin = testKafka(bench.env.KAFKA_BROKERS).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: bareTopic, numPartitions: 3 }], waitForLeaders: true });
  const bare = await startBareServer({
    mongoUri: bareUri,
    brokers: bench.env.KAFKA_BROKERS ?? '',
    topic: bareTopic,
    token: bench.adminToken,
  });
  try {
    process.stderr.write(`[bench] seeding ${settings.users} users and ${settings.datasets} datasets on each side...\n`);
    const users = Array.from({ length: settings.users }, (_, i) => userItem(i));
    const serviceUsers = await seed(`${bench.url}/users/bulk`, users);
    const serviceOwners = serviceUsers.slice(0, Math.max(1, Math.floor(serviceUsers.length / 10)));
    const serviceDatasets = await seed(`${bench.url}/datasets/bulk`, Array.from({ length: settings.datasets }, datasetItem(serviceOwners)));
    const bareIds = await seedBare(bareUri, users, (owners) => Array.from({ length: settings.datasets }, datasetItem(owners)));
    // Let the event pipeline publish and consume the seed's events, so the rounds start on a quiet service.
    await waitFor(
      () =>
        withDatabase(
          bench.env.MONGODB_URI ?? '',
          async (db) =>
            (await db.collection('outbox_markers').countDocuments()) === 0 &&
            (await db.collection('events').countDocuments()) >= serviceUsers.length + serviceDatasets.length,
        ),
      { what: 'the seed events to be relayed', timeoutMs: 300_000, intervalMs: 1000 },
    );
    /**
     * Before each route: the relay clears sent events from their outboxes once writes pause (docs/outbox.md),
     * so a read route measured right after a write route would also measure that write route's clearing.
     */
    const pipelineIdle = (): Promise<unknown> =>
      waitFor(
        () =>
          withDatabase(bench.env.MONGODB_URI ?? '', async (db) => {
            const waiting = await Promise.all(['outbox_markers', 'outbox_sent'].map((name) => db.collection(name).countDocuments()));
            return waiting.every((count) => count === 0);
          }),
        { what: 'the event pipeline to be idle', timeoutMs: 300_000, intervalMs: 1000 },
      );

    const sides = [
      { name: 'service', url: bench.url, routes: routes({ users: serviceUsers, datasets: serviceDatasets }) },
      { name: 'baseline', url: bare.url, routes: routes(bareIds) },
    ];
    const rows: (string | number)[][] = [];
    for (const [r, [route]] of sides[0].routes.entries()) {
      await pipelineIdle();
      const measured = sides.map(() => ({ requests: 0, seconds: 0, p99s: [] as number[] }));
      for (let round = 0; round < settings.rounds; round++) {
        for (const s of round % 2 === 0 ? [0, 1] : [1, 0]) {
          const { path, ...options } = sides[s].routes[r][1];
          const result = await load(`${route} ${sides[s].name} round ${round + 1}`, { url: `${sides[s].url}${path ?? ''}`, ...options });
          measured[s].requests += result.requests.total;
          measured[s].seconds += result.duration;
          measured[s].p99s.push(result.latency.p99);
        }
      }
      const [service, baseline] = measured.map(({ requests, seconds, p99s }) => ({ rate: requests / seconds, p99: median(p99s) }));
      rows.push([
        route,
        Math.round(service.rate),
        Math.round(baseline.rate),
        (service.rate / baseline.rate).toFixed(2),
        service.p99,
        baseline.p99,
        (service.p99 / Math.max(1, baseline.p99)).toFixed(2),
      ]);
    }

    process.stdout.write(
      `\nService vs bare baseline: ${settings.connections} connections, ${settings.rounds} alternating rounds of ` +
        `${settings.seconds} s per route, ${settings.users} users / ${settings.datasets} datasets seeded (${new Date().toISOString()})\n\n`,
    );
    printTable(['route', 'req/s', 'bare req/s', 'ratio (≥ 0.7)', 'p99 ms', 'bare p99 ms', 'p99 ratio (≤ 2)'], rows);
  } finally {
    await bare.stop();
    await withDatabase(bareUri, (db) => db.dropDatabase());
    await admin.deleteTopics({ topics: [bareTopic] });
    await admin.disconnect();
    await bench.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
