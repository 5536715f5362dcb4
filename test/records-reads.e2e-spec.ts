import { randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { withDatabase } from './support/mongo';
import {
  Api,
  Point,
  FIELDS,
  samplePoints,
  asJsonBody,
  asNdjson,
  asCsv,
  readAllPages,
  parseNdjson,
  createOwner,
  createDataset,
  uploadRecords,
} from './support/records-fixture';
import { MINUTE, T0 } from '../src/common/testing/time';
import { bearer } from './support/auth';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

describe('Time-series records: downsampling, statistics and schema changes (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let ownerId: string;

  beforeAll(async () => {
    api = testApp.api();
    ownerId = await createOwner(api, 'Recorder');
  });

  const newDataset = (extra: Record<string, unknown> = {}): Promise<string> => createDataset(api, ownerId, 'series', FIELDS, extra);
  const upload = (id: string, type: string, body: string | object): request.Test => uploadRecords(api, id, type, body);

  describe('downsampling and statistics', () => {
    let id: string;
    const points = samplePoints(500);

    beforeAll(async () => {
      id = await newDataset();
      await upload(id, 'text/csv', asCsv(points)).expect(200);
    });

    /** The reference: intervals of `every` aligned on the epoch, computed here from the raw points. */
    function reference(every: number, agg: string): Record<string, unknown>[] {
      const intervals = new Map<number, Point[]>();
      for (const p of points) {
        const start = Math.floor(p.timestamp / every) * every;
        intervals.set(start, [...(intervals.get(start) ?? []), p]);
      }
      const fold = (values: (number | boolean | string | null)[], numeric: boolean): unknown => {
        const present = values.filter((v) => v !== null);
        switch (agg) {
          case 'count':
            return present.length;
          case 'first':
            return present[0] ?? null;
          case 'last':
            return present[present.length - 1] ?? null;
          case 'sum':
            return numeric && present.length > 0 ? (present as number[]).reduce((a, b) => a + b, 0) : null;
          case 'avg':
            return numeric && present.length > 0 ? (present as number[]).reduce((a, b) => a + b, 0) / present.length : null;
          case 'min':
            return numeric && present.length > 0 ? Math.min(...(present as number[])) : null;
          default:
            return numeric && present.length > 0 ? Math.max(...(present as number[])) : null;
        }
      };
      return [...intervals.entries()]
        .sort(([a], [b]) => a - b)
        .map(([start, group]) => ({
          timestamp: new Date(start).toISOString(),
          kw: fold(
            group.map((p) => p.kw),
            true,
          ),
          on: fold(
            group.map((p) => p.on),
            false,
          ),
          note: fold(
            group.map((p) => p.note),
            false,
          ),
        }));
    }

    it.each(['avg', 'min', 'max', 'sum', 'count', 'first', 'last'])('downsamples with agg=%s like the reference', async (agg) => {
      const got = await readAllPages(api, id, { every: '1h', agg });
      const want = reference(3_600_000, agg);
      expect(got).toHaveLength(want.length);
      got.forEach((row, i) => {
        const { kw, ...rest } = want[i];
        expect(row).toMatchObject(rest);
        if (typeof kw === 'number') expect(row.kw).toBeCloseTo(kw, 6);
        else expect(row.kw).toEqual(kw);
      });
    });

    it('pages downsampled intervals and streams them too', async () => {
      const first = await api.get(`/datasets/${id}/records`).query({ every: '2h', agg: 'count', limit: 3 }).expect(200);
      expect(first.body.items).toHaveLength(3);
      const all = await readAllPages(api, id, { every: '2h', agg: 'count' });
      expect(all.slice(0, 3)).toEqual(first.body.items);
      const streamed = parseNdjson(
        (await api.get(`/datasets/${id}/records`).query({ every: '2h', agg: 'count', format: 'ndjson' }).expect(200)).text,
      );
      expect(streamed).toEqual(all);
      await api.get(`/datasets/${id}/records`).query({ every: '1h' }).expect(400);
      await api.get(`/datasets/${id}/records`).query({ agg: 'avg' }).expect(400);
      await api.get(`/datasets/${id}/records`).query({ every: '1h', agg: 'median' }).expect(400);
      const onString = await api.get(`/datasets/${id}/records`).query({ every: '1h', agg: 'avg', fields: 'kw,note' }).expect(400);
      expect(onString.body.message).toBe('agg=avg applies to number fields only, not to note (string)');
    });

    it('reports statistics equal to the reference', async () => {
      const stats = (await api.get(`/datasets/${id}/stats`).expect(200)).body;
      const kws = points.map((p) => p.kw).filter((v): v is number => v !== null);
      expect(stats).toMatchObject({
        datasetId: id,
        count: points.length,
        first: new Date(points[0].timestamp).toISOString(),
        last: new Date(points[points.length - 1].timestamp).toISOString(),
        fields: {
          kw: { count: kws.length, min: Math.min(...kws), max: Math.max(...kws) },
          on: { count: points.filter((p) => p.on !== null).length },
          note: { count: points.filter((p) => p.note !== null).length },
        },
      });
      expect(stats.fields.kw.mean).toBeCloseTo(kws.reduce((a, b) => a + b, 0) / kws.length, 6);
    });
  });

  it('reads field names such as constructor and valueOf as fields, and refuses __proto__', async () => {
    const fields = ['constructor', 'valueOf', 'toString', 'hasOwnProperty'].map((name) => ({ name, type: 'number' }));
    const id = await newDataset({ fields });
    const body = [0, 1].map((i) => ({
      timestamp: T0 + i * MINUTE,
      constructor: i + 1,
      valueOf: 10 * (i + 1),
      toString: -i,
      hasOwnProperty: null,
    }));
    await upload(id, 'application/json', body).expect(200);
    await upload(id, 'application/json', [{ timestamp: T0 + 2 * MINUTE }]).expect(200);
    const stats = (await api.get(`/datasets/${id}/stats`).expect(200)).body;
    expect(stats.fields).toEqual({
      constructor: { count: 2, min: 1, max: 2, mean: 1.5 },
      valueOf: { count: 2, min: 10, max: 20, mean: 15 },
      toString: { count: 2, min: -1, max: 0, mean: -0.5 },
      hasOwnProperty: { count: 0 },
    });
    const protoField = await api
      .post('/datasets')
      .send({ ownerId, name: `proto-${randomUUID()}`, fields: [{ name: '__proto__', type: 'number' }] });
    expect(protoField.status).toBe(400);
  });

  it('sums an interval without values to null, like avg, min and max', async () => {
    const id = await newDataset();
    await upload(id, 'application/json', [{ timestamp: T0, kw: null, on: true }]).expect(200);
    const [interval] = await readAllPages(api, id, { every: '1h', agg: 'sum' });
    expect(interval).toEqual({ timestamp: new Date(T0).toISOString(), kw: null, on: null, note: null });
  });

  it('lets fields be retyped again once every point is deleted', async () => {
    const id = await newDataset();
    await upload(id, 'application/json', asJsonBody(samplePoints(20))).expect(200);
    const retyped = [{ name: 'kw', type: 'string' }, ...FIELDS.slice(1)];
    await api.patch(`/datasets/${id}`).send({ fields: retyped }).expect(409);
    await api.delete(`/datasets/${id}/records`).expect(200);
    await api.patch(`/datasets/${id}`).send({ fields: retyped }).expect(200);
    await upload(id, 'application/json', [{ timestamp: T0, kw: 'high' }]).expect(200);
  });

  it('refuses an upload whose fields were retyped while it streamed in, storing nothing', async () => {
    const id = await newDataset();
    const req = http.request(new URL(`${testApp.url}/datasets/${id}/records`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-ndjson', Authorization: bearer(testApp.adminToken) },
    });
    try {
      const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        req.on('error', reject).on('response', (res) => {
          let body = '';
          res
            .setEncoding('utf8')
            .on('data', (chunk: string) => (body += chunk))
            .on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
      });
      req.write(asNdjson(samplePoints(10)));
      // The upload holds the dataset's records lock from the moment it has read the dataset.
      await waitFor(
        () => withDatabase(testApp.config.mongodb.uri, (db) => db.collection<{ _id: string }>('locks').findOne({ _id: `records:${id}` })),
        { what: 'the upload to start' },
      );
      await api
        .patch(`/datasets/${id}`)
        .send({ fields: [{ name: 'kw', type: 'string' }, ...FIELDS.slice(1)] })
        .expect(200);
      req.end(asNdjson(samplePoints(10, 10)));

      const { status, body } = await answer;
      expect(status).toBe(409);
      expect(JSON.parse(body).message).toContain('changed meanwhile');
      expect((await api.get(`/datasets/${id}/stats`).expect(200)).body.count).toBe(0);
    } finally {
      req.destroy();
    }
  });

  it('deletes the records with the dataset, and keeps fields that hold records', async () => {
    const id = await newDataset();
    await upload(id, 'application/json', asJsonBody(samplePoints(100))).expect(200);
    await api
      .patch(`/datasets/${id}`)
      .send({ fields: FIELDS.slice(1) })
      .expect(409);
    await api
      .patch(`/datasets/${id}`)
      .send({ fields: [...FIELDS, { name: 'extra', type: 'number' }] })
      .expect(200);
    // Purged, not trashed: the trash keeps the records (test/datasets-trash.e2e-spec.ts).
    await api.delete(`/datasets/${id}`).query({ permanent: 'true' }).expect(204);
    await api.get(`/datasets/${id}/records`).expect(404);
    const left = await withDatabase(testApp.config.mongodb.uri, async (db) => ({
      buckets: await db.collection('record_buckets').countDocuments({ datasetId: id }),
      series: await db.collection('record_series').countDocuments({ datasetId: id }),
    }));
    expect(left).toEqual({ buckets: 0, series: 0 });
  });
});
