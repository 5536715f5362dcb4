import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { spawnApp } from './support/app-process';
import { readOwnerLists } from './support/owner-lists';
import { withDatabase } from './support/mongo';
import { freePort } from './support/ports';
import { OwnershipJanitor } from '../src/datasets/ownership-janitor';
import { startTestApp, useTestApp } from './support/test-app';
import { waitFor } from './support/wait';
import { Api, authedApi } from './support/auth';

/** Reads every page of a list route. */
async function listAll(api: Api, path: string, query: Record<string, string> = {}): Promise<{ id: string; ownerId: string }[]> {
  const items: { id: string; ownerId: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: request.Response = await api
      .get(path)
      .query({ ...query, limit: 200, ...(cursor ? { cursor } : {}) })
      .expect(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
}

/**
 * The invariant: every user's datasetIds is exactly the set of datasets whose
 * owner is that user, and no dataset belongs to a user that does not exist.
 */
async function expectMappingHolds(api: Api): Promise<{ users: number; datasets: number }> {
  const users = await listAll(api, '/users');
  const datasets = await listAll(api, '/datasets');
  const userIds = new Set(users.map((u) => u.id));
  for (const dataset of datasets) expect(userIds).toContain(dataset.ownerId);
  for (const user of users) {
    const { body } = await api.get(`/users/${user.id}`).expect(200);
    const owned = datasets.filter((d) => d.ownerId === user.id).map((d) => d.id);
    expect([...body.datasetIds].sort()).toEqual(owned.sort());
    expect(body.datasetCount).toBe(owned.length);
  }
  return { users: users.length, datasets: datasets.length };
}

/**
 * The owner index's rule (docs/architecture.md#the-owner-index): an entry confirmed (state 2) is a dataset
 * active and owned by the list's user, whatever was interrupted; unconfirmed ones may be anything.
 */
async function expectConfirmedEntriesTrue(uri: string): Promise<number> {
  return withDatabase(uri, async (db) => {
    const lists = await readOwnerLists(uri);
    const datasets = await db
      .collection('datasets')
      .find({}, { projection: { state: 1, ownerId: 1 } })
      .toArray();
    const byId = new Map(datasets.map((d) => [String(d._id), d]));
    let confirmed = 0;
    for (const list of lists) {
      for (const id of list.datasetIds.filter((listed) => list.states[listed] === 2)) {
        expect({ id, state: byId.get(id)?.state, ownerId: String(byId.get(id)?.ownerId) }).toEqual({
          id,
          state: 'active',
          ownerId: list._id,
        });
        confirmed++;
      }
    }
    return confirmed;
  });
}

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

/** A random mix of creates, deletes, transfers and user deletions, all sent at once. */
function randomOperations(api: Api, userIds: string[], datasetIds: string[], count: number): Promise<request.Response>[] {
  return Array.from({ length: count }, (_, i) => {
    const roll = Math.random();
    if (roll < 0.35) return api.post('/datasets').send({ ownerId: pick(userIds), name: `ds-${i}-${randomUUID().slice(0, 6)}` });
    if (roll < 0.6) return api.patch(`/datasets/${pick(datasetIds)}`).send({ ownerId: pick(userIds) });
    if (roll < 0.8) return api.delete(`/datasets/${pick(datasetIds)}`);
    if (roll < 0.9) return api.delete(`/users/${pick(userIds)}`).query({ cascade: 'true' });
    return api.delete(`/users/${pick(userIds)}`);
  }).map((req) => req.then((response) => response));
}

describe('Ownership under concurrency (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;

  beforeAll(async () => {
    api = testApp.api();
  });

  const seedUsers = async (count: number): Promise<string[]> => {
    const users = Array.from({ length: count }, () => ({ name: 'u', email: `${randomUUID()}@example.com` }));
    const { body } = await api.post('/users/bulk').send(users).expect(200);
    return body.items.map((outcome: { item: { id: string } }) => outcome.item.id);
  };

  const seedDatasets = async (userIds: string[], count: number): Promise<string[]> => {
    const items = Array.from({ length: count }, (_, i) => ({ ownerId: userIds[i % userIds.length], name: `seed-${randomUUID()}` }));
    const { body } = await api.post('/datasets/bulk').send(items).expect(200);
    return body.items.map((outcome: { item: { id: string } }) => outcome.item.id);
  };

  it('gives 50 parallel creates on two application instances distinct, increasing seqs', async () => {
    const second = await startTestApp({ MONGODB_URI: testApp.config.mongodb.uri });
    try {
      const [ownerId] = await seedUsers(1);
      const apis = [api, authedApi(second.url, testApp.adminToken)];
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => apis[i % 2].post('/datasets').send({ ownerId, name: `parallel-${i}` })),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
      const seqs = responses.map((r) => r.body.seq as number);
      expect(new Set(seqs).size).toBe(50);
      const sorted = [...seqs].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]).toBeGreaterThan(sorted[i - 1]);
      // Numbers follow the order of registration: by seq is by creation time.
      const bySeq = await listAll(api, `/users/${ownerId}/datasets`, { sort: 'seq' });
      expect(bySeq).toHaveLength(50);
    } finally {
      await second.app.close();
    }
  });

  it('keeps the mapping exact after 240 concurrent creates, transfers, deletes and user deletions', async () => {
    const userIds = await seedUsers(12);
    const datasetIds = await seedDatasets(userIds, 40);

    const responses = await Promise.all(randomOperations(api, userIds, datasetIds, 240));
    const statuses = responses.map((r) => r.status);
    // Losing a race is a clean client error; nothing may fail on the server.
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(new Set(statuses)).toEqual(new Set(statuses.filter((s) => [200, 201, 204, 404, 409, 422].includes(s))));

    await expectMappingHolds(api);
    expect(await expectConfirmedEntriesTrue(testApp.config.mongodb.uri)).toBeGreaterThan(0);
    const leftovers = await withDatabase(testApp.config.mongodb.uri, async (db) => ({
      pending: await db.collection('datasets').countDocuments({ state: 'pending' }),
      marked: await db.collection('datasets').countDocuments({ transferTo: { $ne: null } }),
      leased: await db.collection('users').countDocuments({ deletingUntil: { $ne: null } }),
    }));
    expect(leftovers).toEqual({ pending: 0, marked: 0, leased: 0 });
  });

  it('keeps the mapping exact when the process is killed in the middle of concurrent writes', async () => {
    const userIds = await seedUsers(10);
    const datasetIds = await seedDatasets(userIds, 30);
    const port = await freePort();
    const victim = spawnApp({
      MONGODB_URI: testApp.config.mongodb.uri,
      KAFKA_BROKERS: testApp.config.kafka.brokers.join(','),
      KAFKA_TOPIC: testApp.config.kafka.topic,
      KAFKA_GROUP_ID: `${testApp.config.kafka.groupId}-victim`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'fatal',
      // The locks the killed process holds free up quickly, so recovery can be watched here.
      LOCK_TTL_SECONDS: '2',
    });
    const victimApi = authedApi(`http://127.0.0.1:${port}`, testApp.adminToken);
    try {
      await waitFor(async () => (await victimApi.get('/health')).status === 200, { what: 'the second process' });
      const inFlight = randomOperations(victimApi, userIds, datasetIds, 300).map((p) => p.catch(() => undefined));
      // Kill it once some writes have landed, with many more still in flight.
      await waitFor(async () => (await listAll(api, '/datasets')).length !== 30, { intervalMs: 5, what: 'first writes' });
      victim.child.kill('SIGKILL');
      await victim.exited;
      const outcomes = await Promise.all(inFlight);
      // The kill really cut requests off mid-way (their connections were reset).
      expect(outcomes.filter((outcome) => outcome === undefined).length).toBeGreaterThan(0);
    } finally {
      victim.child.kill('SIGKILL');
    }

    // Whatever the kill left half-done is invisible to readers...
    await expectMappingHolds(api);
    await expectConfirmedEntriesTrue(testApp.config.mongodb.uri);
    // ...and the janitor clears it once it is old enough and the dead process' locks have expired.
    const janitor = testApp.app.get(OwnershipJanitor);
    const leftovers = (): Promise<{ pending: number; marked: number }> =>
      withDatabase(testApp.config.mongodb.uri, async (db) => ({
        pending: await db.collection('datasets').countDocuments({ state: 'pending' }),
        marked: await db.collection('datasets').countDocuments({ transferTo: { $ne: null } }),
      }));
    await waitFor(
      async () => {
        await janitor.sweep(new Date(Date.now() + 2 * 60_000));
        const left = await leftovers();
        return left.pending === 0 && left.marked === 0;
      },
      { what: 'the janitor to clear what the kill left', intervalMs: 500 },
    );
    await expectMappingHolds(api);
    // Every surviving dataset can be changed again (no lock is stuck).
    for (const { id } of await listAll(api, '/datasets')) {
      await api.patch(`/datasets/${id}`).send({ description: 'after the crash' }).expect(200);
    }
  });

  it('never leaves a dataset without an owner when creates race with the owner deletion', async () => {
    for (let round = 0; round < 5; round++) {
      const [ownerId] = await seedUsers(1);
      const creates = Array.from({ length: 20 }, (_, i) => api.post('/datasets').send({ ownerId, name: `race-${round}-${i}` }));
      const deletion = api.delete(`/users/${ownerId}`).query({ cascade: 'true' });
      const [deleted, ...created] = await Promise.all([deletion, ...creates]);
      expect([204, 409]).toContain(deleted.status);
      for (const response of created) expect([201, 409, 422]).toContain(response.status);
      const owner = await api.get(`/users/${ownerId}`);
      const remaining = await listAll(api, '/datasets', { ownerId });
      if (owner.status === 404) expect(remaining).toEqual([]);
      else expect(owner.body.datasetIds.sort()).toEqual(remaining.map((d) => d.id).sort());
    }
  });
});
