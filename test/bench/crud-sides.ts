/**
 * The two sides bench:api and bench:cpu compare: the built service and the bare
 * baseline (bare-server.ts) on the same store and broker, each with a database
 * and topic of its own, both seeded alike (`users` users, `datasets` datasets
 * over a tenth of them) once the service's seed events are relayed; and the
 * four CRUD routes, each given the ids of its side's seed.
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { testKafka } from '../support/kafka';
import { uriWithDatabase, withDatabase } from '../support/mongo';
import { waitFor } from '../support/wait';
import { BareServer, startBareServer } from './bare-server';
import { BenchEnvironment, startBenchEnvironment } from './bench-environment';

export type Route = [string, Partial<autocannon.Options> & { path?: string }];

interface SeededIds {
  users: string[];
  datasets: string[];
}

export interface Side {
  name: 'service' | 'baseline';
  url: string;
  pid: number;
  routes: Route[];
  /** Resolves once the side's writes have nothing left to do: the service's events relayed and cleared; the baseline's at once (it publishes in the request). */
  settled(): Promise<unknown>;
}

export interface CrudSides {
  bench: BenchEnvironment;
  bare: BareServer;
  /** The service first, then the baseline. */
  sides: [Side, Side];
  /** `authorization` header of every request: the bootstrap admin's token, which the baseline's map knows too. */
  authorization: string;
  stop(): Promise<void>;
}

export async function startCrudSides(env: NodeJS.ProcessEnv, seeded: { users: number; datasets: number }): Promise<CrudSides> {
  const bench = await startBenchEnvironment(env);
  const authorization = `Bearer ${bench.adminToken}`;
  const serviceUri = bench.env.MONGODB_URI ?? '';
  const bareUri = uriWithDatabase(serviceUri, `${new URL(serviceUri).pathname.slice(1)}_bare`);
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
  const stop = async (): Promise<void> => {
    await bare.stop();
    await withDatabase(bareUri, (db) => db.dropDatabase());
    await admin.deleteTopics({ topics: [bareTopic] });
    await admin.disconnect();
    await bench.stop();
  };
  try {
    process.stderr.write(`[bench] seeding ${seeded.users} users and ${seeded.datasets} datasets on each side...\n`);
    const users = Array.from({ length: seeded.users }, (_, i) => userItem(i));
    const serviceUsers = await seed(`${bench.url}/users/bulk`, users, authorization);
    const serviceOwners = serviceUsers.slice(0, Math.max(1, Math.floor(serviceUsers.length / 10)));
    const serviceDatasets = await seed(
      `${bench.url}/datasets/bulk`,
      Array.from({ length: seeded.datasets }, datasetItem(serviceOwners)),
      authorization,
    );
    const bareIds = await seedBare(bareUri, users, (owners) => Array.from({ length: seeded.datasets }, datasetItem(owners)));
    // The seed's events published and consumed: the measuring starts on a quiet service.
    await waitFor(
      () =>
        withDatabase(
          serviceUri,
          async (db) =>
            (await db.collection('outbox_markers').countDocuments()) === 0 &&
            (await db.collection('events').countDocuments()) >= serviceUsers.length + serviceDatasets.length,
        ),
      { what: 'the seed events to be relayed', timeoutMs: 300_000, intervalMs: 1000 },
    );
    const pipelineIdle = (): Promise<unknown> =>
      waitFor(
        () =>
          withDatabase(serviceUri, async (db) => {
            const waiting = await Promise.all(['outbox_markers', 'outbox_sent'].map((name) => db.collection(name).countDocuments()));
            return waiting.every((count) => count === 0);
          }),
        { what: 'the event pipeline to be idle', timeoutMs: 300_000, intervalMs: 1000 },
      );
    const sides: [Side, Side] = [
      {
        name: 'service',
        url: bench.url,
        pid: bench.app.child.pid ?? 0,
        routes: routes({ users: serviceUsers, datasets: serviceDatasets }),
        settled: pipelineIdle,
      },
      { name: 'baseline', url: bare.url, pid: bare.pid, routes: routes(bareIds), settled: () => Promise.resolve() },
    ];
    return { bench, bare, sides, authorization, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Registers `items` in bulk requests of up to 1,000 and returns their ids. */
async function seed(url: string, items: unknown[], authorization: string): Promise<string[]> {
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
async function seedBare(uri: string, users: object[], datasets: (owners: string[]) => object[]): Promise<SeededIds> {
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
function routes(ids: SeededIds): Route[] {
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
