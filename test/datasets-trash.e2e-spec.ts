import { randomUUID } from 'node:crypto';
import { RegistryEvent } from '../src/events/contract';
import { TrashJanitor } from '../src/datasets/trash-janitor';
import { Api, authedApi, createUserWithToken } from './support/auth';
import { eventSchemaValidator } from '../src/events/testing/event-schema';
import { testKafka, TopicRecorder } from './support/kafka';
import { withDatabase } from './support/mongo';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

const validateEvent = eventSchemaValidator();
const DAY_MS = 24 * 60 * 60 * 1000;
const POINTS = 'timestamp,kw\n1000,1\n2000,2\n3000,3\n';

interface User {
  id: string;
  api: Api;
}

/**
 * Soft delete through the real HTTP server, store and Kafka topic: the trash
 * hides a dataset from every read but keeps its name and records; only its
 * owner and admins see and restore it; purging (at once, by the janitor, by a
 * user's cascade) drops its records and frees its name.
 */
describe('Datasets trash (e2e)', () => {
  const testApp = useTestApp();
  let admin: Api;
  let recorder: TopicRecorder;
  let owner: User;
  let other: User;
  let granteeRead: User;
  let granteeWrite: User;

  const newUser = async (): Promise<User> => {
    const made = await createUserWithToken(admin);
    return { id: made.id, api: authedApi(testApp.url, made.token) };
  };

  /** The owner's private dataset with three points, shared read with granteeRead and write with granteeWrite. */
  const newDataset = async (name = `trash-${randomUUID().slice(0, 8)}`): Promise<{ id: string; seq: number; name: string }> => {
    const created = await owner.api
      .post('/datasets')
      .send({ name, fields: [{ name: 'kw', type: 'number' }] })
      .expect(201);
    const id = created.body.id as string;
    await owner.api.post(`/datasets/${id}/records`).set('Content-Type', 'text/csv').send(POINTS).expect(200);
    await owner.api.put(`/datasets/${id}/access/${granteeRead.id}`).send({ level: 'read' }).expect(200);
    await owner.api.put(`/datasets/${id}/access/${granteeWrite.id}`).send({ level: 'write' }).expect(200);
    return { id, seq: created.body.seq as number, name };
  };

  const trashIds = async (api: Api, query: Record<string, string> = {}): Promise<string[]> =>
    (
      await api
        .get('/datasets')
        .query({ trashed: 'true', limit: 200, ...query })
        .expect(200)
    ).body.items.map((d: { id: string }) => d.id);

  const storedRecords = (id: string): Promise<{ series: number; buckets: number }> =>
    withDatabase(testApp.config.mongodb.uri, async (db) => ({
      series: await db.collection('record_series').countDocuments({ datasetId: id }),
      buckets: await db.collection('record_buckets').countDocuments({ datasetId: id }),
    }));

  const eventsOf = (id: string): RegistryEvent[] =>
    recorder.records.filter((record) => record.key === id).map((record) => JSON.parse(record.value ?? '') as RegistryEvent);

  const eventTypes = async (id: string, count: number): Promise<string[]> => {
    await waitFor(() => eventsOf(id).length >= count, { what: `${count} events of dataset ${id}` });
    return eventsOf(id).map((event) => event.type);
  };

  beforeAll(async () => {
    admin = testApp.api();
    recorder = await new TopicRecorder(testKafka(), [testApp.config.kafka.topic]).start();
    testApp.beforeClose(() => recorder.stop());
    owner = await newUser();
    other = await newUser();
    granteeRead = await newUser();
    granteeWrite = await newUser();
  });

  it('hides a trashed dataset from every read and write, by id and seq, in searches and in the user’s datasets', async () => {
    const { id, seq, name } = await newDataset();
    await owner.api.delete(`/datasets/${id}`).expect(204);

    for (const api of [owner.api, admin, granteeRead.api]) {
      await api.get(`/datasets/${id}`).expect(404);
      await api.get(`/datasets/${seq}`).expect(404);
      expect((await api.get('/datasets').query({ name }).expect(200)).body.items).toEqual([]);
      expect((await api.get(`/users/${owner.id}/datasets`).query({ name }).expect(200)).body.items).toEqual([]);
      expect((await api.get(`/users/${owner.id}`).expect(200)).body.datasetIds).not.toContain(id);
    }
    await owner.api.get(`/datasets/${id}/records`).expect(404);
    await owner.api.get(`/datasets/${id}/stats`).expect(404);
    await owner.api.post(`/datasets/${id}/records`).set('Content-Type', 'text/csv').send('timestamp,kw\n4000,4\n').expect(404);
    await owner.api.delete(`/datasets/${id}/records`).expect(404);
    await owner.api.patch(`/datasets/${id}`).send({ description: 'x' }).expect(404);
    await owner.api.get(`/datasets/${id}/access`).expect(404);
    // Not a second trashing: the trash is left by restore or a permanent delete.
    await owner.api.delete(`/datasets/${id}`).expect(404);
    // Its records stay until it is purged.
    expect(await storedRecords(id)).toEqual({ series: 1, buckets: expect.any(Number) });
    expect((await storedRecords(id)).buckets).toBeGreaterThan(0);
  });

  it('lists the trash to its owner and admins only, with trashedAt and purgeAt', async () => {
    const { id } = await newDataset();
    const before = Date.now();
    await granteeWrite.api.delete(`/datasets/${id}`).expect(204); // a write grantee may trash it…

    const listed = (await owner.api.get('/datasets').query({ trashed: 'true', limit: 200 }).expect(200)).body.items;
    const entry = listed.find((d: { id: string }) => d.id === id);
    expect(entry).toMatchObject({ id, ownerId: owner.id, trashedAt: expect.any(String), purgeAt: expect.any(String) });
    const trashedAt = Date.parse(entry.trashedAt);
    expect(trashedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(entry.purgeAt) - trashedAt).toBe(30 * DAY_MS);

    expect(await trashIds(admin)).toContain(id);
    expect(await trashIds(admin, { ownerId: owner.id })).toContain(id);
    expect(await trashIds(admin, { ownerId: other.id })).not.toContain(id);
    // …but the trash is not theirs to see, nor a reader's, nor anyone else's; an ownerId filter opens nothing.
    for (const user of [granteeWrite, granteeRead, other]) {
      expect(await trashIds(user.api)).not.toContain(id);
      expect(await trashIds(user.api, { ownerId: owner.id })).not.toContain(id);
    }
    // Live listings carry no trash fields.
    const live = await newDataset();
    const item = (await owner.api.get('/datasets').query({ name: live.name }).expect(200)).body.items[0];
    expect(item).not.toHaveProperty('trashedAt');
    expect(item).not.toHaveProperty('purgeAt');
  });

  it('validates trashed and permanent, naming the field, and refuses them where they do not belong', async () => {
    const { id } = await newDataset();
    for (const value of ['yes', '1', 'TRUE', '']) {
      const listing = await owner.api.get('/datasets').query({ trashed: value }).expect(400);
      expect(listing.body.details.map((d: { field: string }) => d.field)).toContain('trashed');
      const removal = await owner.api.delete(`/datasets/${id}`).query({ permanent: value }).expect(400);
      expect(removal.body.details.map((d: { field: string }) => d.field)).toContain('permanent');
    }
    const unknown = await owner.api.delete(`/datasets/${id}`).query({ force: 'true' }).expect(400);
    expect(unknown.body.details.map((d: { field: string }) => d.field)).toContain('force');
    const owned = await owner.api.get(`/users/${owner.id}/datasets`).query({ trashed: 'true' }).expect(400);
    expect(owned.body.details.map((d: { field: string }) => d.field)).toContain('trashed');
    await owner.api.get(`/datasets/${id}`).expect(200); // nothing was deleted by the refused calls
    expect(
      (
        await owner.api
          .get('/datasets')
          .query({ trashed: 'false', name: (await newDataset()).name })
          .expect(200)
      ).body.items,
    ).toHaveLength(1);
  });

  it('restores a dataset with its records, grants and seq; only its owner or an admin, only from the trash', async () => {
    const { id, seq } = await newDataset();
    const before = (await owner.api.get(`/datasets/${id}`).expect(200)).body;
    const points = (await owner.api.get(`/datasets/${id}/records`).expect(200)).body.items;
    expect(points).toHaveLength(3);
    await owner.api.post(`/datasets/${id}/restore`).expect(409); // not in the trash
    await other.api.post(`/datasets/${id}/restore`).expect(404); // may not even read it

    await owner.api.delete(`/datasets/${id}`).expect(204);
    for (const user of [other, granteeRead, granteeWrite]) await user.api.post(`/datasets/${id}/restore`).expect(404);
    await owner.api.post(`/datasets/${randomUUID().replace(/-/g, '').slice(0, 24)}/restore`).expect(404);

    const restored = await owner.api.post(`/datasets/${seq}/restore`).expect(200);
    expect(restored.body).toEqual(before);
    expect((await owner.api.get(`/datasets/${id}/records`).expect(200)).body.items).toEqual(points);
    expect((await owner.api.get(`/datasets/${id}/stats`).expect(200)).body.count).toBe(3);
    await granteeRead.api.get(`/datasets/${id}`).expect(200); // its grants came back too
    expect(await trashIds(owner.api)).not.toContain(id);
    await owner.api.post(`/datasets/${id}/restore`).expect(409);

    await owner.api.delete(`/datasets/${id}`).expect(204);
    await admin.post(`/datasets/${id}/restore`).expect(200); // an admin may restore anyone's
    await owner.api.get(`/datasets/${id}`).expect(200);
  });

  it('keeps the name reserved while trashed (409 saying how to free it) and frees it when purged', async () => {
    const name = `Reserved-${randomUUID().slice(0, 8)}`;
    const { id } = await newDataset(name);
    await owner.api.delete(`/datasets/${id}`).expect(204);

    const again = await owner.api.post('/datasets').send({ name: name.toLowerCase() }).expect(409);
    expect(again.body.message).toContain(`a trashed dataset of the owner holds the name "${name.toLowerCase()}"`);
    expect(again.body.message).toContain(`DELETE /datasets/${id}?permanent=true`);
    expect(again.body.details).toEqual([{ field: 'name', messages: [again.body.message] }]);
    const bulk = await owner.api.post('/datasets/bulk').send([{ name }]).expect(200);
    expect(bulk.body.items[0]).toMatchObject({
      status: 'rejected',
      error: { statusCode: 409, message: expect.stringContaining('trashed dataset'), details: [{ field: 'name' }] },
    });
    const sibling = await newDataset();
    const renamed = await owner.api.patch(`/datasets/${sibling.id}`).send({ name }).expect(409);
    expect(renamed.body.message).toContain('trashed dataset');
    // Someone else may not see that trash: no id for them (an admin registering for the owner sees it).
    const byAdmin = await admin.post('/datasets').send({ name, ownerId: owner.id }).expect(409);
    expect(byAdmin.body.message).toContain(id);
    const byGrantee = await granteeWrite.api.patch(`/datasets/${sibling.id}`).send({ name }).expect(409);
    expect(byGrantee.body.message).not.toContain(id);
    expect(byGrantee.body.message).toContain('permanent=true');

    await owner.api.delete(`/datasets/${id}`).query({ permanent: 'true' }).expect(204);
    await owner.api.patch(`/datasets/${sibling.id}`).send({ name }).expect(200);
  });

  it('purges at once with permanent=true, active or trashed: owner or admin only; records dropped', async () => {
    const active = await newDataset();
    await granteeWrite.api.delete(`/datasets/${active.id}`).query({ permanent: 'true' }).expect(403);
    await granteeRead.api.delete(`/datasets/${active.id}`).query({ permanent: 'true' }).expect(403);
    await other.api.delete(`/datasets/${active.id}`).query({ permanent: 'true' }).expect(404);
    await owner.api.get(`/datasets/${active.id}`).expect(200);
    await owner.api.delete(`/datasets/${active.id}`).query({ permanent: 'true' }).expect(204);
    await owner.api.get(`/datasets/${active.id}`).expect(404);
    expect(await trashIds(owner.api)).not.toContain(active.id);
    await owner.api.post(`/datasets/${active.id}/restore`).expect(404);
    expect(await storedRecords(active.id)).toEqual({ series: 0, buckets: 0 });

    const trashed = await newDataset();
    await owner.api.delete(`/datasets/${trashed.id}`).expect(204);
    for (const user of [granteeWrite, other]) await user.api.delete(`/datasets/${trashed.id}`).query({ permanent: 'true' }).expect(404);
    await admin.delete(`/datasets/${trashed.seq}`).query({ permanent: 'true' }).expect(204);
    expect(await trashIds(admin)).not.toContain(trashed.id);
    expect(await storedRecords(trashed.id)).toEqual({ series: 0, buckets: 0 });
    await owner.api.delete(`/datasets/${trashed.id}`).query({ permanent: 'true' }).expect(404);
    // Its name is free at once.
    await owner.api.post('/datasets').send({ name: trashed.name }).expect(201);
  });

  it('has the janitor purge what stayed in the trash longer than TRASH_RETENTION_DAYS, and nothing else', async () => {
    const janitor = testApp.app.get(TrashJanitor);
    const expiring = await newDataset();
    const live = await newDataset();
    await owner.api.delete(`/datasets/${expiring.id}`).expect(204);

    await janitor.sweep(new Date(Date.now() + 29 * DAY_MS));
    expect(await trashIds(owner.api)).toContain(expiring.id);

    expect(await janitor.sweep(new Date(Date.now() + 30 * DAY_MS + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await trashIds(owner.api)).not.toContain(expiring.id);
    await owner.api.post(`/datasets/${expiring.id}/restore`).expect(404);
    expect(await storedRecords(expiring.id)).toEqual({ series: 0, buckets: 0 });
    await owner.api.get(`/datasets/${live.id}`).expect(200);
    expect((await owner.api.get(`/datasets/${live.id}/stats`).expect(200)).body.count).toBe(3);
    await owner.api.post('/datasets').send({ name: expiring.name }).expect(201);

    expect(await eventTypes(expiring.id, 6)).toEqual([
      'dataset.created',
      'dataset.records.appended',
      'dataset.access.granted',
      'dataset.access.granted',
      'dataset.trashed',
      'dataset.deleted',
    ]);
    expect(eventsOf(expiring.id)[5].actor).toEqual({ type: 'system', name: 'trash-janitor' });
  });

  it('publishes dataset.trashed, dataset.restored and dataset.deleted with their payloads, valid against the schema', async () => {
    const { id, seq } = await newDataset();
    const state = (await owner.api.get(`/datasets/${id}`).expect(200)).body;
    await owner.api.delete(`/datasets/${id}`).expect(204);
    await owner.api.post(`/datasets/${id}/restore`).expect(200);
    await admin.delete(`/datasets/${id}`).query({ permanent: 'true' }).expect(204);

    const types = await eventTypes(id, 7);
    expect(types.slice(4)).toEqual(['dataset.trashed', 'dataset.restored', 'dataset.deleted']);
    const events = eventsOf(id);
    for (const event of events) expect(validateEvent(event) ? 'valid' : validateEvent.errors).toBe('valid');
    expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const [trashed, restored, deleted] = events.slice(4);
    expect(trashed).toMatchObject({ entity: 'dataset', entityId: id, ownerId: owner.id, actor: { type: 'user', userId: owner.id } });
    expect(trashed.data).toEqual({ dataset: state, trashedAt: expect.any(String), purgeAt: expect.any(String) });
    const trashing = trashed.data as { trashedAt: string; purgeAt: string };
    expect(Date.parse(trashing.purgeAt) - Date.parse(trashing.trashedAt)).toBe(30 * DAY_MS);
    expect(restored).toMatchObject({ ownerId: owner.id, data: state });
    expect(deleted).toMatchObject({
      ownerId: owner.id,
      actor: { type: 'user', userId: testApp.adminId },
      data: { id, seq, ownerId: owner.id },
    });
  });
});
