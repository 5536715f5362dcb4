import request from 'supertest';
import { withDatabase } from './support/mongo';
import { authedApi, createUserWithToken } from './support/auth';
import {
  Api,
  FIELDS,
  samplePoints,
  asJsonBody,
  asNdjson,
  asCsv,
  expected,
  readAllPages,
  parseNdjson,
  parseCsvExport,
  createOwner,
  createDataset,
  uploadRecords,
} from './support/records-fixture';
import { MINUTE, T0 } from '../src/common/testing/time';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

describe('Time-series records (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let ownerId: string;

  beforeAll(async () => {
    api = testApp.api();
    ownerId = await createOwner(api, 'Recorder');
  });

  const newDataset = (extra: Record<string, unknown> = {}): Promise<string> => createDataset(api, ownerId, 'series', FIELDS, extra);
  const upload = (id: string, type: string, body: string | object): request.Test => uploadRecords(api, id, type, body);

  describe('round trips', () => {
    const points = samplePoints(700); // ~35 hours at 3-minute steps: several buckets
    it.each([
      ['a JSON array', 'application/json', () => asJsonBody(points)],
      ['NDJSON', 'application/x-ndjson', () => asNdjson(points)],
      ['CSV', 'text/csv', () => asCsv(points)],
    ])('stores %s exactly, and reads it back the same as JSON pages, NDJSON and CSV', async (_name, type, body) => {
      const id = await newDataset();
      const written = await upload(id, type, body()).expect(200);
      expect(written.body).toMatchObject({
        count: points.length,
        totalPoints: points.length,
        from: new Date(points[0].timestamp).toISOString(),
      });

      const want = expected(points);
      expect(await readAllPages(api, id)).toEqual(want);
      expect(parseNdjson((await api.get(`/datasets/${id}/records`).query({ format: 'ndjson' }).expect(200)).text)).toEqual(want);
      const csv = await api.get(`/datasets/${id}/records`).query({ format: 'csv' }).expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(parseCsvExport(csv.text)).toEqual(want);
    });

    it.each([
      ['CSV', 'csv', 'text/csv'],
      ['NDJSON', 'ndjson', 'application/x-ndjson'],
    ])('takes its own %s export back unchanged', async (_name, format, type) => {
      const source = await newDataset();
      await upload(source, 'application/json', asJsonBody(points)).expect(200);
      const exported = (await api.get(`/datasets/${source}/records`).query({ format }).expect(200)).text;
      const copy = await newDataset();
      await upload(copy, type, exported).expect(200);
      expect(await readAllPages(api, copy)).toEqual(expected(points));
    });
  });

  it('replaces points on re-upload instead of duplicating them', async () => {
    const id = await newDataset();
    const points = samplePoints(300);
    await upload(id, 'application/json', asJsonBody(points)).expect(200);
    const again = await upload(id, 'application/json', asJsonBody(points)).expect(200);
    expect(again.body).toMatchObject({ count: 300, totalPoints: 300 });
    const changed = points.slice(100, 150).map((p) => ({ ...p, kw: 42 }));
    await upload(id, 'application/x-ndjson', asNdjson(changed)).expect(200);
    expect(await readAllPages(api, id)).toEqual(expected([...points, ...changed]));
    expect((await api.get(`/datasets/${id}/stats`).expect(200)).body.count).toBe(300);
  });

  it('rejects a body with an invalid row as a whole, listing the bad rows, and stores nothing', async () => {
    const id = await newDataset();
    await upload(id, 'application/json', asJsonBody(samplePoints(50))).expect(200);
    const before = await api.get(`/datasets/${id}/records`).query({ format: 'ndjson' }).expect(200);

    const body = asJsonBody(samplePoints(200, 1000)) as Record<string, unknown>[];
    body[56] = { ...body[56], kw: 'high' };
    body[120] = { ...body[120], timestamp: 'yesterday' };
    body[150] = { ...body[150], colour: 'red' };
    const refused = await upload(id, 'application/json', body).expect(400);
    expect(refused.body.details).toEqual([
      { field: 'row 57', messages: ['kw must be a number (got "high")'] },
      { field: 'row 121', messages: [expect.stringContaining('timestamp must be ISO 8601')] },
      { field: 'row 151', messages: ['unknown field "colour"'] },
    ]);
    expect(refused.body.message).toContain('nothing was stored');

    const csv = `timestamp,kw\n2026-11-01T00:00:00Z,1\n2026-11-01T00:01:00Z,abc\n`;
    expect((await upload(id, 'text/csv', csv).expect(400)).body.details).toEqual([
      { field: 'row 2', messages: ['kw must be a number (got "abc")'] },
    ]);

    expect((await api.get(`/datasets/${id}/records`).query({ format: 'ndjson' }).expect(200)).text).toBe(before.text);
    const leftovers = await withDatabase(testApp.config.mongodb.uri, async (db) => ({
      uploads: await db.collection('record_uploads').countDocuments(),
      buckets: await db.collection('record_buckets').countDocuments({ datasetId: id }),
    }));
    const series = (await api.get(`/datasets/${id}/stats`).expect(200)).body;
    expect(series.count).toBe(50);
    expect(leftovers.uploads).toBe(0);
    const committedBuckets = await withDatabase(testApp.config.mongodb.uri, async (db) => {
      const dataset = await db.collection('datasets').findOne({ _id: new (await import('mongoose')).Types.ObjectId(id) });
      const current = await db.collection('record_series').findOne({ _id: dataset?.recordSeriesId });
      return (current?.buckets as unknown[]).length;
    });
    expect(leftovers.buckets).toBe(committedBuckets);
  });

  it.each([
    ['an unknown CSV column', 'text/csv', 'timestamp,watts\n2026-01-01T00:00:00Z,1\n', 400, 'unknown columns: watts'],
    ['a CSV without timestamp', 'text/csv', 'kw\n1\n', 400, 'must have a "timestamp" column'],
    ['malformed JSON', 'application/json', '[{"timestamp": 1', 400, 'not a JSON array'],
    ['a JSON object instead of an array', 'application/json', '{"timestamp": 1}', 400, 'not a JSON array'],
    ['an empty array', 'application/json', '[]', 400, 'no points'],
    ['a local time without zone', 'application/x-ndjson', '{"timestamp":"2026-01-01T00:00:00","kw":1}\n', 400, 'with a time zone'],
    ['an unsupported media type', 'application/xml', '<points/>', 415, 'application/x-ndjson'],
    ['a date that does not exist', 'application/json', '[{"timestamp":"2026-02-30T00:00:00Z","kw":1}]', 400, 'timestamp must be ISO 8601'],
    ['a CSV date that does not exist', 'text/csv', 'timestamp,kw\n2026-04-31T00:00:00Z,1\n', 400, 'timestamp must be ISO 8601'],
    ['a year beyond 9999', 'application/json', '[{"timestamp":253402300800000,"kw":1}]', 400, 'years 0000 to 9999'],
    ['a number too large to sum', 'application/json', '[{"timestamp":0,"kw":1.7976931348623157e308}]', 400, 'kw must be a number within'],
    [
      'a number that overflows',
      'application/json',
      '[{"timestamp":0,"kw":1e400}]',
      400,
      'kw must be a number within ±1e+300 (got Infinity)',
    ],
    ['a CSV number that overflows', 'text/csv', 'timestamp,kw\n0,1e400\n', 400, 'kw must be a number within ±1e+300 (got "1e400")'],
  ])('answers %s with a 4xx that says why', async (_case, type, body, status, message) => {
    const id = await newDataset();
    const response = await upload(id, type, body).expect(status);
    expect(response.body.message).toContain(message);
  });

  it.each([
    ['a JSON array', 'application/json', '\uFEFF[{"timestamp":0,"kw":1}]'],
    ['NDJSON', 'application/x-ndjson', '\uFEFF{"timestamp":0,"kw":1}\n'],
    ['CSV', 'text/csv', '\uFEFFtimestamp,kw\n0,1\n'],
  ])('takes %s that starts with a byte-order mark', async (_name, type, body) => {
    const id = await newDataset();
    await upload(id, type, body).expect(200);
    expect(await readAllPages(api, id)).toEqual([{ timestamp: new Date(0).toISOString(), kw: 1, on: null, note: null }]);
  });

  it('lets only those who may change the dataset write its records; X-User-Id counts for nothing', async () => {
    const id = await newDataset();
    const other = await createUserWithToken(api);
    const ownerToken = (
      await api
        .post(`/users/${ownerId}/tokens`)
        .send({ name: 'owner', scopes: ['write'] })
        .expect(201)
    ).body.token;
    const body = asNdjson(samplePoints(3));
    const as = (token: string): request.Test => uploadRecords(authedApi(testApp.url, token), id, 'application/x-ndjson', body);
    await as(other.token).set('X-User-Id', ownerId).expect(404);
    await api.put(`/datasets/${id}/access/${other.id}`).send({ level: 'read' }).expect(200);
    await as(other.token).set('X-User-Id', ownerId).expect(403);
    await as(ownerToken).set('X-User-Id', 'nope').expect(200);
  });

  describe('ranges', () => {
    let id: string;
    const points = samplePoints(100);
    const at = (i: number): string => new Date(points[i].timestamp).toISOString();

    beforeAll(async () => {
      id = await newDataset();
      await upload(id, 'application/json', asJsonBody(points)).expect(200);
    });

    it('reads [from, to): from inclusive, to exclusive, in ISO or epoch milliseconds', async () => {
      const slice = await readAllPages(api, id, { from: at(10), to: at(20) });
      expect(slice).toEqual(expected(points.slice(10, 20)));
      const byEpoch = await readAllPages(api, id, { from: points[10].timestamp, to: points[20].timestamp, fields: 'note,kw' });
      expect(byEpoch).toEqual(expected(points.slice(10, 20)).map(({ timestamp, note, kw }) => ({ timestamp, note, kw })));
      await api
        .get(`/datasets/${id}/records`)
        .query({ from: at(20), to: at(10) })
        .expect(400);
      await api.get(`/datasets/${id}/records`).query({ fields: 'kw,watts' }).expect(400);
      await api.get(`/datasets/${id}/records`).query({ cursor: 'bad' }).expect(400);
      await api.get(`/datasets/${id}/records`).query({ from: '2026-02-30T00:00:00Z' }).expect(400);
      await api.get(`/datasets/${id}/records`).query({ fields: 'kw,kw' }).expect(400);
      await api.get(`/datasets/${id}/records`).query({ fields: '' }).expect(400);
    });

    it('deletes [from, to) and publishes one event with the count and the range, never the points', async () => {
      const deleted = await api
        .delete(`/datasets/${id}/records`)
        .query({ from: at(30), to: at(40) })
        .expect(200);
      expect(deleted.body).toEqual({ datasetId: id, count: 10, from: at(30), to: at(39), totalPoints: 90 });
      expect(await readAllPages(api, id)).toEqual(expected([...points.slice(0, 30), ...points.slice(40)]));
      const none = await api
        .delete(`/datasets/${id}/records`)
        .query({ from: at(30), to: at(40) })
        .expect(200);
      expect(none.body).toMatchObject({ count: 0, totalPoints: 90 });

      const events = await waitFor(
        async () => {
          const items = (await api.get('/events').query({ entityId: id }).expect(200)).body.items as { type: string; data: object }[];
          return items.some((e) => e.type === 'dataset.records.deleted') ? items : undefined;
        },
        { what: 'the records events' },
      );
      expect(events.map((e) => e.type)).toEqual(['dataset.created', 'dataset.records.appended', 'dataset.records.deleted']);
      expect(events[1].data).toEqual({ datasetId: id, count: 100, from: at(0), to: at(99) });
      expect(events[2].data).toEqual({ datasetId: id, count: 10, from: at(30), to: at(39) });
    });
  });
});

describe('Records limits (e2e)', () => {
  const testApp = useTestApp({ RECORDS_MAX_ROWS: '10', RECORDS_MAX_BODY: '2kb' });
  let api: Api;
  let id: string;

  beforeAll(async () => {
    api = testApp.api();
    const ownerId = await createOwner(api, 'Limited');
    id = (
      await api
        .post('/datasets')
        .send({ ownerId, name: 'small', fields: [{ name: 'v', type: 'number' }] })
        .expect(201)
    ).body.id;
  });

  const rows = (n: number): string => Array.from({ length: n }, (_, i) => `{"timestamp":${T0 + i * MINUTE},"v":${i}}`).join('\n');

  it('refuses more rows than RECORDS_MAX_ROWS with 413, storing nothing', async () => {
    await api.post(`/datasets/${id}/records`).set('Content-Type', 'application/x-ndjson').send(rows(10)).expect(200);
    const response = await api.post(`/datasets/${id}/records`).set('Content-Type', 'application/x-ndjson').send(rows(11)).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, message: 'more than 10 rows in one request' });
    expect((await api.get(`/datasets/${id}/stats`).expect(200)).body.count).toBe(10);
  });

  it('refuses a body larger than RECORDS_MAX_BODY with 413', async () => {
    const big = `timestamp,v\n${Array.from({ length: 200 }, (_, i) => `${T0 + i},${'9'.repeat(20)}`).join('\n')}\n`;
    const response = await api.post(`/datasets/${id}/records`).set('Content-Type', 'text/csv').send(big).expect(413);
    expect(response.body.message).toBe('request body larger than 2048 bytes');
  });
});
