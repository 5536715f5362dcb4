import { randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { withDatabase } from './support/mongo';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait';

type Api = ReturnType<typeof request>;
type Point = { timestamp: number; kw: number | null; on: boolean | null; note: string | null };

const FIELDS = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'on', type: 'boolean' },
  { name: 'note', type: 'string' },
];
const T0 = Date.parse('2026-11-27T00:00:00Z');
const MINUTE = 60_000;

/** Points every minute over ~2 days (several buckets), with awkward values: nulls, negatives, quotes, commas, new lines. */
function samplePoints(count: number, offset = 0): Point[] {
  const notes = ['plain', 'with, comma', 'with "quotes"', 'two\nlines', ' padded ', '', 'ünïcode ✓'];
  return Array.from({ length: count }, (_, i) => ({
    timestamp: T0 + (i + offset) * MINUTE * 3,
    kw: i % 11 === 0 ? null : Math.round((Math.sin(i) * 1000 - 200) * 1e6) / 1e6,
    on: i % 7 === 0 ? null : i % 2 === 0,
    note: i % 5 === 0 ? null : notes[i % notes.length],
  }));
}

function asJsonBody(points: Point[]): object[] {
  // Mixed timestamp forms: ISO 8601 and epoch milliseconds.
  return points.map((p, i) => ({ ...p, timestamp: i % 2 === 0 ? new Date(p.timestamp).toISOString() : p.timestamp }));
}

function asNdjson(points: Point[]): string {
  return points.map((p) => JSON.stringify({ ...p, timestamp: new Date(p.timestamp).toISOString() })).join('\n') + '\n';
}

function asCsv(points: Point[]): string {
  const cell = (value: string | number | boolean | null | undefined): string => {
    if (value === null) return '';
    const text = String(value);
    return text === '' || /[",\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `timestamp,kw,on,note\n${points.map((p) => [p.timestamp, p.kw, p.on, p.note].map(cell).join(',')).join('\n')}\n`;
}

/** What a read returns for these points (ISO timestamps, time order). */
function expected(points: Point[]): Record<string, unknown>[] {
  const latest = new Map(points.map((p) => [p.timestamp, p]));
  return [...latest.values()]
    .sort((a, b) => a.timestamp - b.timestamp)
    .map((p) => ({ ...p, timestamp: new Date(p.timestamp).toISOString() }));
}

async function readAllPages(api: Api, id: string, query: Record<string, string | number> = {}): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const response: request.Response = await api
      .get(`/datasets/${id}/records`)
      .query({ ...query, limit: 100, ...(cursor ? { cursor } : {}) })
      .expect(200);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor);
  return items;
}

function parseNdjson(text: string): Record<string, unknown>[] {
  return text.trim() === ''
    ? []
    : text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
}

/** Reads our CSV back (RFC 4180 quoting; an empty cell is null, `""` the empty string), typed like the dataset's fields. */
function parseCsvExport(text: string): Record<string, unknown>[] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  const endCell = (): void => {
    row.push(cell === '' && !wasQuoted ? null : cell);
    cell = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') endCell();
    else if (c === '\n') {
      endCell();
      rows.push(row);
      row = [];
    } else cell += c;
  }
  const [header, ...data] = rows;
  expect(header).toEqual(['timestamp', 'kw', 'on', 'note']);
  return data.map(([timestamp, kw, on, note]) => ({
    timestamp,
    kw: kw === null ? null : Number(kw),
    on: on === null ? null : on === 'true',
    note,
  }));
}

describe('Time-series records (e2e)', () => {
  let testApp: TestApp;
  let api: Api;
  let ownerId: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    api = request(testApp.url);
    ownerId = (
      await api
        .post('/users')
        .send({ name: 'Recorder', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id;
  });

  afterAll(async () => {
    await testApp?.close();
  });

  const newDataset = async (extra: Record<string, unknown> = {}): Promise<string> =>
    (
      await api
        .post('/datasets')
        .send({ ownerId, name: `series-${randomUUID()}`, frequency: '1m', fields: FIELDS, ...extra })
        .expect(201)
    ).body.id;

  const upload = (id: string, type: string, body: string | object): request.Test =>
    api
      .post(`/datasets/${id}/records`)
      .set('Content-Type', type)
      .send(typeof body === 'string' ? body : JSON.stringify(body));

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

  it('lets only the owner write when an acting user is given', async () => {
    const id = await newDataset();
    const other = (
      await api
        .post('/users')
        .send({ name: 'Other', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id;
    const body = asNdjson(samplePoints(3));
    await upload(id, 'application/x-ndjson', body).set('X-User-Id', other).expect(403);
    await upload(id, 'application/x-ndjson', body).set('X-User-Id', 'nope').expect(400);
    await upload(id, 'application/x-ndjson', body).set('X-User-Id', ownerId).expect(200);
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
      headers: { 'Content-Type': 'application/x-ndjson' },
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
    await api.delete(`/datasets/${id}`).expect(204);
    await api.get(`/datasets/${id}/records`).expect(404);
    const left = await withDatabase(testApp.config.mongodb.uri, async (db) => ({
      buckets: await db.collection('record_buckets').countDocuments({ datasetId: id }),
      series: await db.collection('record_series').countDocuments({ datasetId: id }),
    }));
    expect(left).toEqual({ buckets: 0, series: 0 });
  });
});

describe('Records limits (e2e)', () => {
  let testApp: TestApp;
  let api: Api;
  let id: string;

  beforeAll(async () => {
    testApp = await startTestApp({ RECORDS_MAX_ROWS: '10', RECORDS_MAX_BODY: '2kb' });
    api = request(testApp.url);
    const ownerId = (
      await api
        .post('/users')
        .send({ name: 'Limited', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id;
    id = (
      await api
        .post('/datasets')
        .send({ ownerId, name: 'small', fields: [{ name: 'v', type: 'number' }] })
        .expect(201)
    ).body.id;
  });

  afterAll(async () => {
    await testApp?.close();
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
