import { RegistryEvent } from '../src/events/contract';
import { createUserWithToken } from './support/auth';
import { eventSchemaValidator } from '../src/events/testing/event-schema';
import { testKafka, TopicRecorder } from './support/kafka';
import { withDatabase } from './support/mongo';
import {
  Api,
  asNdjson,
  createDataset,
  createOwner,
  FIELDS,
  parseNdjson,
  readAllPages,
  samplePoints,
  uploadRecords,
} from './support/records-fixture';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';
import { bucketIdsOf, datasetWith, ndjsonOf, seal } from './support/versions-fixture';

const validateEvent = eventSchemaValidator();

/** Version tags, the storage versions share with the live points, who may do what, and the events. */
describe('Dataset version tags, storage, access and events (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let ownerId: string;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    api = testApp.api();
    ownerId = await createOwner(api, 'Version tags');
    recorder = await new TopicRecorder(testKafka(), [testApp.config.kafka.topic]).start();
    testApp.beforeClose(() => recorder.stop());
  });

  it('tags: set, idempotent, immutable (409) unless the owner forces, read through, removed; bad names 400', async () => {
    const id = await datasetWith(api, ownerId, samplePoints(100));
    const v1 = await seal(api, id);
    await uploadRecords(api, id, 'application/x-ndjson', asNdjson(samplePoints(100, 100))).expect(200);
    const v2 = await seal(api, id);
    const created = await api.put(`/datasets/${id}/tags/train-2026-11`).send({ version: 1 }).expect(201);
    expect(created.body).toMatchObject({ datasetId: id, name: 'train-2026-11', version: 1, digest: v1.digest, createdBy: testApp.adminId });
    await api.put(`/datasets/${id}/tags/train-2026-11`).send({ version: 1 }).expect(200);
    const moved = await api.put(`/datasets/${id}/tags/train-2026-11`).send({ version: 2 }).expect(409);
    expect(moved.body.message).toContain('points at version 1');
    const tagged = await ndjsonOf(api, id, { tag: 'train-2026-11' });
    expect(tagged.headers['x-dataset-version']).toBe('1');
    expect(parseNdjson(tagged.text)).toHaveLength(100);
    await api.put(`/datasets/${id}/tags/train-2026-11`).send({ version: 2, force: true }).expect(200);
    expect(parseNdjson((await ndjsonOf(api, id, { tag: 'train-2026-11' })).text)).toHaveLength(200);
    await api.put(`/datasets/${id}/tags/latest`).send({ version: 2 }).expect(201);
    const tags = await api.get(`/datasets/${id}/tags`).expect(200);
    expect(tags.body.map((t: { name: string; version: number; digest: string }) => [t.name, t.version, t.digest])).toEqual([
      ['latest', 2, v2.digest],
      ['train-2026-11', 2, v2.digest],
    ]);
    expect((await api.get(`/datasets/${id}/versions/2`).expect(200)).body.tags).toEqual(['latest', 'train-2026-11']);
    const unknown = await api.put(`/datasets/${id}/tags/nope`).send({ version: 9 }).expect(422);
    expect(unknown.body.details[0].field).toBe('version');
    for (const bad of ['-lead', 'has space', 'x'.repeat(101), 'a%00b']) {
      const refused = await api
        .put(`/datasets/${id}/tags/${encodeURIComponent(bad)}`)
        .send({ version: 1 })
        .expect(400);
      expect(refused.body.details[0].field).toBe('name');
    }
    await api.put(`/datasets/${id}/tags/ok`).send({ version: '1' }).expect(400);
    await api.put(`/datasets/${id}/tags/ok`).send({ version: 1, force: 'yes' }).expect(400);
    await api.delete(`/datasets/${id}/tags/latest`).expect(204);
    await api.delete(`/datasets/${id}/tags/latest`).expect(404);
    await api.get(`/datasets/${id}/records`).query({ tag: 'latest' }).expect(404);
    expect((await api.get(`/datasets/${id}/versions/2`).expect(200)).body.version).toBe(2);
  });

  it('storage: versions keep their buckets through writes; deleting a version frees only what it alone held', async () => {
    const id = await datasetWith(api, ownerId, samplePoints(1000));
    const sealed = await bucketIdsOf(testApp.config.mongodb.uri, id);
    await seal(api, id);
    await api.put(`/datasets/${id}/tags/keep`).send({ version: 1 }).expect(201);
    // Appending after the end rewrites only the last window: v1 keeps the old copy of that one bucket.
    await uploadRecords(api, id, 'application/x-ndjson', asNdjson(samplePoints(5, 1000))).expect(200);
    const afterAppend = await bucketIdsOf(testApp.config.mongodb.uri, id);
    expect(afterAppend.length).toBe(sealed.length + 1);
    expect(afterAppend).toEqual(expect.arrayContaining(sealed));
    // Deleting every live point removes no bucket v1 holds.
    await api.delete(`/datasets/${id}/records`).expect(200);
    expect((await bucketIdsOf(testApp.config.mongodb.uri, id)).sort()).toEqual([...sealed].sort());
    expect(await readAllPages(api, id, { version: 1 })).toHaveLength(1000);

    const tagged = await api.delete(`/datasets/${id}/versions/1`).expect(409);
    expect(tagged.body.message).toContain('keep');
    await api.delete(`/datasets/${id}/tags/keep`).expect(204);
    await api.delete(`/datasets/${id}/versions/1`).expect(204);
    expect(await bucketIdsOf(testApp.config.mongodb.uri, id)).toEqual([]);
    await api.get(`/datasets/${id}/versions/1`).expect(404);
  });

  it('deleting one version keeps buckets another version or the live points share', async () => {
    const id = await datasetWith(api, ownerId, samplePoints(1000));
    await seal(api, id);
    await seal(api, id);
    const shared = await bucketIdsOf(testApp.config.mongodb.uri, id);
    await api.delete(`/datasets/${id}/versions/1`).expect(204);
    expect((await bucketIdsOf(testApp.config.mongodb.uri, id)).sort()).toEqual([...shared].sort());
    expect(await readAllPages(api, id, { version: 2 })).toHaveLength(1000);
    await api.delete(`/datasets/${id}/versions/2`).expect(204);
    expect((await bucketIdsOf(testApp.config.mongodb.uri, id)).sort()).toEqual([...shared].sort()); // the live points still use them
  });

  it('deleting the dataset takes its versions, tags and every bucket with it', async () => {
    const id = await datasetWith(api, ownerId, samplePoints(500));
    await seal(api, id);
    await api.put(`/datasets/${id}/tags/gone`).send({ version: 1 }).expect(201);
    await api.delete(`/datasets/${id}/records`).expect(200);
    await api.delete(`/datasets/${id}`).query({ permanent: true }).expect(204);
    expect(await bucketIdsOf(testApp.config.mongodb.uri, id)).toEqual([]);
    const left = await withDatabase(testApp.config.mongodb.uri, async (db) => ({
      versions: await db.collection('dataset_versions').countDocuments({ datasetId: id }),
      tags: await db.collection('dataset_version_tags').countDocuments({ datasetId: id }),
    }));
    expect(left).toEqual({ versions: 0, tags: 0 });
  });

  it('who may: readers read versions and tags; write grantees seal and tag; only the owner or an admin deletes or forces', async () => {
    const owner = await createUserWithToken(api);
    const reader = await createUserWithToken(api);
    const writer = await createUserWithToken(api);
    const outsider = await createUserWithToken(api);
    const ownerApi = owner.api(testApp.url);
    const id = await createDataset(ownerApi, owner.id, 'versions-access', FIELDS);
    await uploadRecords(ownerApi, id, 'application/x-ndjson', asNdjson(samplePoints(20))).expect(200);
    await ownerApi.put(`/datasets/${id}/access/${reader.id}`).send({ level: 'read' }).expect(200);
    await ownerApi.put(`/datasets/${id}/access/${writer.id}`).send({ level: 'write' }).expect(200);
    await seal(ownerApi, id, {});

    const readerApi = reader.api(testApp.url);
    await readerApi.get(`/datasets/${id}/versions`).expect(200);
    await readerApi.get(`/datasets/${id}/records`).query({ version: 1 }).expect(200);
    await readerApi.post(`/datasets/${id}/versions`).send({}).expect(403);
    await readerApi.put(`/datasets/${id}/tags/r`).send({ version: 1 }).expect(403);

    const writerApi = writer.api(testApp.url);
    await seal(writerApi, id, {});
    await writerApi.put(`/datasets/${id}/tags/w`).send({ version: 1 }).expect(201);
    await writerApi.put(`/datasets/${id}/tags/w`).send({ version: 2, force: true }).expect(403);
    await writerApi.delete(`/datasets/${id}/tags/w`).expect(403);
    await writerApi.delete(`/datasets/${id}/versions/2`).expect(403);

    const outsiderApi = outsider.api(testApp.url);
    await outsiderApi.get(`/datasets/${id}/versions`).expect(404);
    await outsiderApi.get(`/datasets/${id}/tags`).expect(404);
    await outsiderApi.get(`/datasets/${id}/records`).query({ tag: 'w' }).expect(404);

    await ownerApi.put(`/datasets/${id}/tags/w`).send({ version: 2, force: true }).expect(200);
    await ownerApi.delete(`/datasets/${id}/tags/w`).expect(204);
    await ownerApi.delete(`/datasets/${id}/versions/2`).expect(204);
  });

  it('publishes dataset.version.created/deleted and dataset.tagged/untagged, valid against the contract', async () => {
    const id = await datasetWith(api, ownerId, samplePoints(50));
    const v1 = await seal(api, id, { message: 'm' });
    await api.put(`/datasets/${id}/tags/a`).send({ version: 1 }).expect(201);
    await seal(api, id);
    await api.put(`/datasets/${id}/tags/a`).send({ version: 2, force: true }).expect(200);
    await api.delete(`/datasets/${id}/tags/a`).expect(204);
    await api.delete(`/datasets/${id}/versions/1`).expect(204);
    const wanted = [
      'dataset.version.created',
      'dataset.tagged',
      'dataset.version.created',
      'dataset.tagged',
      'dataset.untagged',
      'dataset.version.deleted',
    ];
    const eventsOf = (): RegistryEvent[] =>
      recorder.records
        .filter((record) => record.key === id)
        .map((record) => JSON.parse(record.value ?? '') as RegistryEvent)
        .filter((event) => wanted.includes(event.type));
    await waitFor(() => eventsOf().length >= wanted.length, { what: 'the version and tag events' });
    const events = eventsOf();
    expect(events.map((event) => event.type)).toEqual(wanted);
    for (const event of events) expect(validateEvent(event) ? 'valid' : validateEvent.errors).toBe('valid');
    expect(events[0]).toMatchObject({ ownerId, actor: { type: 'user', userId: testApp.adminId } });
    expect(events[0].data).toEqual({
      datasetId: id,
      version: 1,
      digest: v1.digest,
      count: 50,
      from: v1.first,
      to: v1.last,
      message: 'm',
    });
    expect(events[3].data).toEqual({ datasetId: id, tag: 'a', version: 2, previousVersion: 1 });
    expect(events[4].data).toEqual({ datasetId: id, tag: 'a', previousVersion: 2 });
    const sequences = events.map((event) => event.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
  });
});
