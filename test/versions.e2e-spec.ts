import { tableFromIPC } from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { RegistryEvent } from '../src/events/contract';
import { createUserWithToken } from './support/auth';
import { eventSchemaValidator } from './support/event-schema';
import { testKafka, TopicRecorder } from './support/kafka';
import { withDatabase } from './support/mongo';
import {
  Api,
  asNdjson,
  createDataset,
  expected,
  FIELDS,
  MINUTE,
  parseNdjson,
  readAllPages,
  samplePoints,
  startRecordsApp,
  T0,
  uploadRecords,
} from './support/records-fixture';
import { TestApp } from './support/test-app';
import { waitFor } from './support/wait';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const validateEvent = eventSchemaValidator();

/** The digest of an NDJSON export, recomputed by test/support/points_digest.py (Python, standard library). */
function digestByPython(fields: object[], ndjson: string): { digest: string; count: number } {
  const script = path.join(__dirname, 'support', 'points_digest.py');
  const result = spawnSync('python3', [script, JSON.stringify(fields)], { input: ndjson, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`points_digest.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { digest: string; count: number };
}

/** The same, by the function docs/versions.md gives its readers (so the documented code is known to work). */
function digestByDocumentedPython(fields: object[], ndjson: string): string {
  const documentation = readFileSync(path.join(__dirname, '..', 'docs', 'versions.md'), 'utf8');
  const code = /```python\n(import hashlib[\s\S]*?)```/.exec(documentation)?.[1];
  if (!code) throw new Error('docs/versions.md has no digest function');
  const program = `${code}\nimport sys, json\nprint(version_digest(json.loads(sys.argv[1]), sys.stdin))\n`;
  const result = spawnSync('python3', ['-c', program, JSON.stringify(fields)], { input: ndjson, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`the documented digest function failed: ${result.stderr}`);
  return result.stdout.trim();
}

const binary = (test: request.Test): request.Test =>
  test.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

describe('Dataset versions and tags (e2e)', () => {
  let testApp: TestApp;
  let api: Api;
  let ownerId: string;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    ({ testApp, api, ownerId } = await startRecordsApp('Versions'));
    recorder = await new TopicRecorder(testKafka(), [testApp.config.kafka.topic]).start();
  });

  afterAll(async () => {
    await recorder?.stop();
    await testApp?.close();
  });

  async function datasetWith(points = samplePoints(1000)): Promise<string> {
    const id = await createDataset(api, ownerId, 'versions', FIELDS);
    await uploadRecords(api, id, 'application/x-ndjson', asNdjson(points)).expect(200);
    return id;
  }

  const seal = async (id: string, body: object = {}, as: Api = api): Promise<Record<string, unknown>> =>
    (await as.post(`/datasets/${id}/versions`).send(body).expect(201)).body;

  const ndjsonOf = async (id: string, query: Record<string, string | number> = {}): Promise<request.Response> =>
    api
      .get(`/datasets/${id}/records`)
      .query({ format: 'ndjson', ...query })
      .expect(200);

  const bucketIdsOf = (id: string): Promise<string[]> =>
    withDatabase(testApp.config.mongodb.uri, async (db) =>
      (
        await db
          .collection<{ _id: string }>('record_buckets')
          .find({ datasetId: id }, { projection: { _id: 1 } })
          .toArray()
      ).map((doc) => doc._id),
    );

  it('seals the current points as version 1, 2…: count, range, fields, stats, digest, author, message, lineage', async () => {
    const points = samplePoints(1000);
    const id = await datasetWith(points);
    const v1 = await seal(id, { message: 'first cut' });
    expect(v1).toMatchObject({
      datasetId: id,
      version: 1,
      count: 1000,
      first: new Date(points[0].timestamp).toISOString(),
      last: new Date(points[999].timestamp).toISOString(),
      fields: FIELDS,
      createdBy: testApp.adminId,
      message: 'first cut',
      tags: [],
    });
    expect(v1.digest).toMatch(DIGEST);
    expect((v1.stats as Record<string, { count: number }>).kw.count).toBe(points.filter((p) => p.kw !== null).length);
    const v2 = await seal(id, { derivedFrom: [{ datasetId: id, version: 1 }], transform: 'identity' });
    expect(v2).toMatchObject({ version: 2, digest: v1.digest, derivedFrom: [{ datasetId: id, version: 1 }], transform: 'identity' });
    expect((await api.get(`/datasets/${id}/versions/1`).expect(200)).body).toEqual(v1);

    const first = await api.get(`/datasets/${id}/versions`).query({ limit: 1 }).expect(200);
    expect(first.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    const second = await api.get(`/datasets/${id}/versions`).query({ limit: 1, cursor: first.body.nextCursor }).expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ version: 2 })], nextCursor: null });
    const newest = await api.get(`/datasets/${id}/versions`).query({ order: 'desc' }).expect(200);
    expect(newest.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });

  it('an empty dataset seals as an empty version; unknown versions are 404, malformed numbers 400', async () => {
    const id = await createDataset(api, ownerId, 'versions-empty', FIELDS);
    expect(await seal(id)).toMatchObject({ version: 1, count: 0 });
    const empty = await api.get(`/datasets/${id}/records`).query({ version: 1 }).expect(200);
    expect(empty.body.items).toEqual([]);
    const missing = await api.get(`/datasets/${id}/versions/7`).expect(404);
    expect(missing.body.message).toBe(`dataset ${id} has no version 7`);
    await api.get(`/datasets/${id}/records`).query({ version: 7 }).expect(404);
    await api.get(`/datasets/${id}/stats`).query({ tag: 'nope' }).expect(404);
    for (const bad of ['0', '-1', '1.0', 'abc', '0x1', '99999999999']) {
      const refused = await api.get(`/datasets/${id}/versions/${bad}`).expect(400);
      expect(refused.body.details[0].field).toBe('version');
      const query = await api.get(`/datasets/${id}/records`).query({ version: bad }).expect(400);
      expect(query.body.details[0].field).toBe('version');
    }
    const both = await api.get(`/datasets/${id}/records`).query({ version: 1, tag: 'x' }).expect(400);
    expect(both.body.details[0].field).toBe('tag');
    await api.post(`/datasets/${id}/versions`).send({ message: 'a\u0000b' }).expect(400);
    await api.post(`/datasets/${id}/versions`).send({ unknown: 1 }).expect(400);
  });

  it('a sealed version never changes: appends, record deletes, field extensions and retypes leave it as it was', async () => {
    const points = samplePoints(1000);
    const id = await datasetWith(points);
    const v1 = await seal(id);
    const before = {
      pages: await readAllPages(api, id, { version: 1 }),
      ndjson: (await ndjsonOf(id, { version: 1 })).text,
      csv: (await api.get(`/datasets/${id}/records`).query({ format: 'csv', version: 1 }).expect(200)).text,
      hourly: (await api.get(`/datasets/${id}/records`).query({ version: 1, every: '1h', agg: 'avg', limit: 1000 }).expect(200)).body,
      stats: (await api.get(`/datasets/${id}/stats`).query({ version: 1 }).expect(200)).body,
    };
    expect(before.pages).toEqual(expected(points));

    // Replace points inside v1's range and add new ones after it; delete a range; add a field.
    const changed = samplePoints(200, 500).map((p) => ({ ...p, kw: 12345 }));
    await uploadRecords(api, id, 'application/x-ndjson', asNdjson(changed)).expect(200);
    await api
      .delete(`/datasets/${id}/records`)
      .query({ from: T0, to: T0 + 300 * MINUTE })
      .expect(200);
    await api
      .patch(`/datasets/${id}`)
      .send({ fields: [...FIELDS, { name: 'extra', type: 'number' }] })
      .expect(200);
    expect(await readAllPages(api, id)).not.toEqual(before.pages);

    const after = {
      pages: await readAllPages(api, id, { version: 1 }),
      ndjson: (await ndjsonOf(id, { version: 1 })).text,
      csv: (await api.get(`/datasets/${id}/records`).query({ format: 'csv', version: 1 }).expect(200)).text,
      hourly: (await api.get(`/datasets/${id}/records`).query({ version: 1, every: '1h', agg: 'avg', limit: 1000 }).expect(200)).body,
      stats: (await api.get(`/datasets/${id}/stats`).query({ version: 1 }).expect(200)).body,
    };
    expect(after).toEqual(before);

    // Empty the live points, then retype a field (allowed without points): v1 still reads its own types.
    await api.delete(`/datasets/${id}/records`).expect(200);
    await api
      .patch(`/datasets/${id}`)
      .send({ fields: [{ name: 'kw', type: 'string' }] })
      .expect(200);
    expect(await readAllPages(api, id, { version: 1 })).toEqual(before.pages);
    const served = await ndjsonOf(id, { version: 1 });
    expect(served.text).toBe(before.ndjson);
    expect(served.headers['x-dataset-version']).toBe('1');
    expect(served.headers['x-dataset-digest']).toBe(v1.digest);
    const live = await ndjsonOf(id);
    expect(live.headers['x-dataset-version']).toBe('live');
    expect(live.headers['x-dataset-digest']).toBeUndefined();
    expect(await seal(id)).toMatchObject({ version: 2, count: 0, fields: [{ name: 'kw', type: 'string' }] });
  });

  it('the digest is what an independent implementation computes from the NDJSON export, and depends only on the points', async () => {
    const points = samplePoints(1500);
    const id = await datasetWith(points);
    const v1 = await seal(id);
    const exported = (await ndjsonOf(id, { version: 1 })).text;
    expect(digestByPython(FIELDS, exported)).toEqual({ digest: v1.digest, count: 1500 });
    expect(digestByDocumentedPython(FIELDS, exported)).toBe(v1.digest);

    // The same points uploaded differently (reversed, in two requests) give the same digest; one value changed does not.
    const other = await createDataset(api, ownerId, 'versions-same', FIELDS);
    const reversed = [...points].reverse();
    await uploadRecords(api, other, 'application/x-ndjson', asNdjson(reversed.slice(0, 700))).expect(200);
    await uploadRecords(api, other, 'application/x-ndjson', asNdjson(reversed.slice(700))).expect(200);
    expect((await seal(other)).digest).toBe(v1.digest);
    await uploadRecords(api, other, 'application/json', [{ timestamp: points[3].timestamp, kw: 0.5, on: null, note: null }]).expect(200);
    expect((await seal(other)).digest).not.toBe(v1.digest);
  });

  it('a seal racing an upload holds the points before it or after it, never part of it', async () => {
    const id = await datasetWith(samplePoints(500));
    const upload = uploadRecords(api, id, 'application/x-ndjson', asNdjson(samplePoints(20_000, 500)));
    const uploading = upload.then((response) => response.status);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sealing = await api.post(`/datasets/${id}/versions`).send({});
    expect(await uploading).toBe(200);
    expect([201, 409]).toContain(sealing.status);
    const version = sealing.status === 201 ? (sealing.body as { version: number; count: number; digest: string }) : undefined;
    const sealed = version ?? ((await seal(id)) as { version: number; count: number; digest: string });
    expect([500, 20_500]).toContain(sealed.count);
    const exported = (await ndjsonOf(id, { version: sealed.version })).text;
    expect(digestByPython(FIELDS, exported)).toEqual({ digest: sealed.digest, count: sealed.count });
  });

  it('stats, downsampling, Parquet and Arrow of a version name it and its digest', async () => {
    const id = await datasetWith();
    const v1 = await seal(id);
    await uploadRecords(api, id, 'application/x-ndjson', asNdjson(samplePoints(10, 5000))).expect(200);
    const stats = await api.get(`/datasets/${id}/stats`).query({ version: 1 }).expect(200);
    expect(stats.body).toMatchObject({ version: 1, digest: v1.digest, count: 1000 });
    expect(stats.headers['x-dataset-digest']).toBe(v1.digest);
    expect((await api.get(`/datasets/${id}/stats`).expect(200)).body).toMatchObject({ version: 'live', count: 1010 });
    for (const format of ['parquet', 'arrow']) {
      const response = await binary(api.get(`/datasets/${id}/records`).query({ format, version: 1 })).expect(200);
      expect(response.headers['x-dataset-digest']).toBe(v1.digest);
      if (format === 'arrow') {
        const table = tableFromIPC(response.body as Buffer);
        expect(table.numRows).toBe(1000);
        expect(table.schema.metadata.get('dataset.digest')).toBe(v1.digest);
        expect(table.schema.metadata.get('dataset.version')).toBe('1');
      }
    }
  });

  it('tags: set, idempotent, immutable (409) unless the owner forces, read through, removed; bad names 400', async () => {
    const id = await datasetWith(samplePoints(100));
    const v1 = await seal(id);
    await uploadRecords(api, id, 'application/x-ndjson', asNdjson(samplePoints(100, 100))).expect(200);
    const v2 = await seal(id);
    const created = await api.put(`/datasets/${id}/tags/train-2026-11`).send({ version: 1 }).expect(201);
    expect(created.body).toMatchObject({ datasetId: id, name: 'train-2026-11', version: 1, digest: v1.digest, createdBy: testApp.adminId });
    await api.put(`/datasets/${id}/tags/train-2026-11`).send({ version: 1 }).expect(200);
    const moved = await api.put(`/datasets/${id}/tags/train-2026-11`).send({ version: 2 }).expect(409);
    expect(moved.body.message).toContain('points at version 1');
    const tagged = await ndjsonOf(id, { tag: 'train-2026-11' });
    expect(tagged.headers['x-dataset-version']).toBe('1');
    expect(parseNdjson(tagged.text)).toHaveLength(100);
    await api.put(`/datasets/${id}/tags/train-2026-11`).send({ version: 2, force: true }).expect(200);
    expect(parseNdjson((await ndjsonOf(id, { tag: 'train-2026-11' })).text)).toHaveLength(200);
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
    const id = await datasetWith(samplePoints(1000));
    const sealed = await bucketIdsOf(id);
    await seal(id);
    await api.put(`/datasets/${id}/tags/keep`).send({ version: 1 }).expect(201);
    // Appending after the end rewrites only the last window: v1 keeps the old copy of that one bucket.
    await uploadRecords(api, id, 'application/x-ndjson', asNdjson(samplePoints(5, 1000))).expect(200);
    const afterAppend = await bucketIdsOf(id);
    expect(afterAppend.length).toBe(sealed.length + 1);
    expect(afterAppend).toEqual(expect.arrayContaining(sealed));
    // Deleting every live point removes no bucket v1 holds.
    await api.delete(`/datasets/${id}/records`).expect(200);
    expect((await bucketIdsOf(id)).sort()).toEqual([...sealed].sort());
    expect(await readAllPages(api, id, { version: 1 })).toHaveLength(1000);

    const tagged = await api.delete(`/datasets/${id}/versions/1`).expect(409);
    expect(tagged.body.message).toContain('keep');
    await api.delete(`/datasets/${id}/tags/keep`).expect(204);
    await api.delete(`/datasets/${id}/versions/1`).expect(204);
    expect(await bucketIdsOf(id)).toEqual([]);
    await api.get(`/datasets/${id}/versions/1`).expect(404);
  });

  it('deleting one version keeps buckets another version or the live points share', async () => {
    const id = await datasetWith(samplePoints(1000));
    await seal(id);
    await seal(id);
    const shared = await bucketIdsOf(id);
    await api.delete(`/datasets/${id}/versions/1`).expect(204);
    expect((await bucketIdsOf(id)).sort()).toEqual([...shared].sort());
    expect(await readAllPages(api, id, { version: 2 })).toHaveLength(1000);
    await api.delete(`/datasets/${id}/versions/2`).expect(204);
    expect((await bucketIdsOf(id)).sort()).toEqual([...shared].sort()); // the live points still use them
  });

  it('deleting the dataset takes its versions, tags and every bucket with it', async () => {
    const id = await datasetWith(samplePoints(500));
    await seal(id);
    await api.put(`/datasets/${id}/tags/gone`).send({ version: 1 }).expect(201);
    await api.delete(`/datasets/${id}/records`).expect(200);
    await api.delete(`/datasets/${id}`).query({ permanent: true }).expect(204);
    expect(await bucketIdsOf(id)).toEqual([]);
    const left = await withDatabase(testApp.config.mongodb.uri, async (db) => ({
      versions: await db.collection('dataset_versions').countDocuments({ datasetId: id }),
      tags: await db.collection('dataset_version_tags').countDocuments({ datasetId: id }),
    }));
    expect(left).toEqual({ versions: 0, tags: 0 });
  });

  it('lineage names versions the caller may read (422 otherwise, naming the entry)', async () => {
    const source = await datasetWith(samplePoints(10));
    await seal(source);
    const stranger = await createUserWithToken(api);
    const mine = await createDataset(stranger.api(testApp.url), stranger.id, 'versions-lineage', FIELDS);
    const hidden = await stranger
      .api(testApp.url)
      .post(`/datasets/${mine}/versions`)
      .send({ derivedFrom: [{ datasetId: source, version: 1 }] })
      .expect(422);
    expect(hidden.body.details[0].field).toBe('derivedFrom.0');
    await api.patch(`/datasets/${source}`).send({ visibility: 'internal' }).expect(200);
    const v = await seal(mine, { derivedFrom: [{ datasetId: source, version: 1 }] }, stranger.api(testApp.url));
    expect(v.derivedFrom).toEqual([{ datasetId: source, version: 1 }]);
    const missing = await stranger
      .api(testApp.url)
      .post(`/datasets/${mine}/versions`)
      .send({ derivedFrom: [{ datasetId: source, version: 5 }] })
      .expect(422);
    expect(missing.body.message).toContain('has no version 5');
    await api
      .post(`/datasets/${mine}/versions`)
      .send({ derivedFrom: [{ datasetId: 'zz', version: 1 }] })
      .expect(400);
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
    await seal(id, {}, ownerApi);

    const readerApi = reader.api(testApp.url);
    await readerApi.get(`/datasets/${id}/versions`).expect(200);
    await readerApi.get(`/datasets/${id}/records`).query({ version: 1 }).expect(200);
    await readerApi.post(`/datasets/${id}/versions`).send({}).expect(403);
    await readerApi.put(`/datasets/${id}/tags/r`).send({ version: 1 }).expect(403);

    const writerApi = writer.api(testApp.url);
    await seal(id, {}, writerApi);
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
    const id = await datasetWith(samplePoints(50));
    const v1 = await seal(id, { message: 'm' });
    await api.put(`/datasets/${id}/tags/a`).send({ version: 1 }).expect(201);
    await seal(id);
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
