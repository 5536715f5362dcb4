import { tableFromIPC } from 'apache-arrow';
import request from 'supertest';
import { createUserWithToken } from './support/auth';
import {
  Api,
  asNdjson,
  createDataset,
  expected,
  FIELDS,
  readAllPages,
  samplePoints,
  createOwner,
  uploadRecords,
} from './support/records-fixture';
import { MINUTE, T0 } from '../src/common/testing/time';
import { useTestApp } from './support/test-app';
import { binary, datasetWith, DIGEST, digestByDocumentedPython, digestByPython, ndjsonOf, seal } from './support/versions-fixture';

/** Sealing versions and reading them back: immutable, with a digest a client can recompute (docs/versions.md). */
describe('Dataset versions (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let ownerId: string;

  beforeAll(async () => {
    api = testApp.api();
    ownerId = await createOwner(api, 'Versions');
  });

  /** Every way of reading version 1: pages, NDJSON, CSV, downsampled, statistics. */
  async function readsOfVersion1(id: string): Promise<{ pages: object[]; ndjson: string; csv: string; hourly: unknown; stats: unknown }> {
    const records = (query: Record<string, string | number>): Promise<request.Response> =>
      api
        .get(`/datasets/${id}/records`)
        .query({ version: 1, ...query })
        .expect(200);
    return {
      pages: await readAllPages(api, id, { version: 1 }),
      ndjson: (await ndjsonOf(api, id, { version: 1 })).text,
      csv: (await records({ format: 'csv' })).text,
      hourly: (await records({ every: '1h', agg: 'avg', limit: 1000 })).body,
      stats: (await api.get(`/datasets/${id}/stats`).query({ version: 1 }).expect(200)).body,
    };
  }

  it('seals the current points as version 1, 2…: count, range, fields, stats, digest, author, message, lineage', async () => {
    const points = samplePoints(1000);
    const id = await datasetWith(api, ownerId, points);
    const v1 = await seal(api, id, { message: 'first cut' });
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
    const v2 = await seal(api, id, { derivedFrom: [{ datasetId: id, version: 1 }], transform: 'identity' });
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
    expect(await seal(api, id)).toMatchObject({ version: 1, count: 0 });
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
    const id = await datasetWith(api, ownerId, points);
    const v1 = await seal(api, id);
    const before = await readsOfVersion1(id);
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

    const after = await readsOfVersion1(id);
    expect(after).toEqual(before);

    // Empty the live points, then retype a field (allowed without points): v1 still reads its own types.
    await api.delete(`/datasets/${id}/records`).expect(200);
    await api
      .patch(`/datasets/${id}`)
      .send({ fields: [{ name: 'kw', type: 'string' }] })
      .expect(200);
    expect(await readAllPages(api, id, { version: 1 })).toEqual(before.pages);
    const served = await ndjsonOf(api, id, { version: 1 });
    expect(served.text).toBe(before.ndjson);
    expect(served.headers['x-dataset-version']).toBe('1');
    expect(served.headers['x-dataset-digest']).toBe(v1.digest);
    const live = await ndjsonOf(api, id);
    expect(live.headers['x-dataset-version']).toBe('live');
    expect(live.headers['x-dataset-digest']).toBeUndefined();
    expect(await seal(api, id)).toMatchObject({ version: 2, count: 0, fields: [{ name: 'kw', type: 'string' }] });
  });

  it('the digest is what an independent implementation computes from the NDJSON export, and depends only on the points', async () => {
    const points = samplePoints(1500);
    const id = await datasetWith(api, ownerId, points);
    const v1 = await seal(api, id);
    const exported = (await ndjsonOf(api, id, { version: 1 })).text;
    expect(digestByPython(FIELDS, exported)).toEqual({ digest: v1.digest, count: 1500 });
    expect(digestByDocumentedPython(FIELDS, exported)).toBe(v1.digest);

    // The same points uploaded differently (reversed, in two requests) give the same digest; one value changed does not.
    const other = await createDataset(api, ownerId, 'versions-same', FIELDS);
    const reversed = [...points].reverse();
    await uploadRecords(api, other, 'application/x-ndjson', asNdjson(reversed.slice(0, 700))).expect(200);
    await uploadRecords(api, other, 'application/x-ndjson', asNdjson(reversed.slice(700))).expect(200);
    expect((await seal(api, other)).digest).toBe(v1.digest);
    await uploadRecords(api, other, 'application/json', [{ timestamp: points[3].timestamp, kw: 0.5, on: null, note: null }]).expect(200);
    expect((await seal(api, other)).digest).not.toBe(v1.digest);
  });

  it('a seal racing an upload holds the points before it or after it, never part of it', async () => {
    const id = await datasetWith(api, ownerId, samplePoints(500));
    const upload = uploadRecords(api, id, 'application/x-ndjson', asNdjson(samplePoints(20_000, 500)));
    const uploading = upload.then((response) => response.status);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sealing = await api.post(`/datasets/${id}/versions`).send({});
    expect(await uploading).toBe(200);
    expect([201, 409]).toContain(sealing.status);
    const version = sealing.status === 201 ? (sealing.body as { version: number; count: number; digest: string }) : undefined;
    const sealed = version ?? ((await seal(api, id)) as { version: number; count: number; digest: string });
    expect([500, 20_500]).toContain(sealed.count);
    const exported = (await ndjsonOf(api, id, { version: sealed.version })).text;
    expect(digestByPython(FIELDS, exported)).toEqual({ digest: sealed.digest, count: sealed.count });
  });

  it('stats, downsampling, Parquet and Arrow of a version name it and its digest', async () => {
    const id = await datasetWith(api, ownerId);
    const v1 = await seal(api, id);
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

  it('lineage names versions the caller may read (422 otherwise, naming the entry)', async () => {
    const source = await datasetWith(api, ownerId, samplePoints(10));
    await seal(api, source);
    const stranger = await createUserWithToken(api);
    const mine = await createDataset(stranger.api(testApp.url), stranger.id, 'versions-lineage', FIELDS);
    const hidden = await stranger
      .api(testApp.url)
      .post(`/datasets/${mine}/versions`)
      .send({ derivedFrom: [{ datasetId: source, version: 1 }] })
      .expect(422);
    expect(hidden.body.details[0].field).toBe('derivedFrom.0');
    await api.patch(`/datasets/${source}`).send({ visibility: 'internal' }).expect(200);
    const v = await seal(stranger.api(testApp.url), mine, { derivedFrom: [{ datasetId: source, version: 1 }] });
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
});
