import { randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import { MAX_STRING_BYTES } from '../src/records/record-values';
import { expectCutOffWhenTheStoreFails, getRaw } from './support/broken-export';
import { withDatabase } from './support/mongo';
import { startTestApp, TestApp } from './support/test-app';

type Api = ReturnType<typeof request>;

const T0 = Date.parse('2026-11-27T00:00:00Z');
const MINUTE = 60_000;
const NOTE_FIELDS = [
  { name: 'kw', type: 'number' },
  { name: 'note', type: 'string' },
];
const TOO_LONG = `note is longer than ${MAX_STRING_BYTES} bytes (the longest string value)`;

/** A POST of raw bytes (supertest would send a Buffer given as JSON as `{"type":"Buffer",…}`). */
function postRaw(url: string, type: string, body: Buffer): Promise<{ status?: number; body: { details?: unknown } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': type, 'Content-Length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) as { details?: unknown } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Records hardening: no 5xx on any input (e2e)', () => {
  let testApp: TestApp;
  let api: Api;
  let ownerId: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    api = request(testApp.url);
    ownerId = (
      await api
        .post('/users')
        .send({ name: 'Hardener', email: `${randomUUID()}@example.com` })
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
        .send({ ownerId, name: `hardening-${randomUUID()}`, frequency: '1m', fields: NOTE_FIELDS, ...extra })
        .expect(201)
    ).body.id;

  const upload = (id: string, type: string, body: string | Buffer): request.Test =>
    api.post(`/datasets/${id}/records`).set('Content-Type', type).send(body);

  const storedCount = async (id: string): Promise<number> => (await api.get(`/datasets/${id}/stats`).expect(200)).body.count;

  describe('buckets within the document size limit', () => {
    it('takes 20,000 rows of 60 number fields at 150 ms without a frequency, and exports every point', async () => {
      const fields = Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, type: 'number' }));
      const id = (
        await api
          .post('/datasets')
          .send({ ownerId, name: `wide-${randomUUID()}`, fields })
          .expect(201)
      ).body.id;
      const value = (row: number, field: number): number => ((row * 31 + field * 17) % 9973) / 10;
      const lines = ['timestamp,' + fields.map((field) => field.name).join(',')];
      for (let row = 0; row < 20_000; row++) lines.push(`${T0 + row * 150},${fields.map((_, f) => value(row, f)).join(',')}`);
      const csv = lines.join('\n') + '\n';
      expect(csv.length).toBeGreaterThan(5_000_000);

      const started = Date.now();
      const written = await upload(id, 'text/csv', csv).expect(200);
      const uploadMs = Date.now() - started;
      expect(written.body).toMatchObject({ count: 20_000, totalPoints: 20_000 });
      const stats = (await api.get(`/datasets/${id}/stats`).expect(200)).body;
      expect(stats.count).toBe(20_000);
      expect(stats.fields.f59.count).toBe(20_000);

      const exportStarted = Date.now();
      const exported = (await api.get(`/datasets/${id}/records`).query({ format: 'ndjson' }).expect(200)).text;
      const exportMs = Date.now() - exportStarted;
      const rows = [...Array(20_000).keys()];
      const want = rows.map(
        (row) =>
          `{"timestamp":"${new Date(T0 + row * 150).toISOString()}",${fields.map((field, f) => `"${field.name}":${value(row, f)}`).join(',')}}`,
      );
      expect(exported.split('\n')).toEqual([...want, '']);
      const series = await withDatabase(testApp.config.mongodb.uri, (db) => db.collection('record_series').findOne({ datasetId: id }));
      expect(series?.buckets.length).toBeGreaterThan(1);
      console.log(
        `wide upload: 20,000 rows x 60 fields (${(csv.length / 1e6).toFixed(1)} MB CSV) in ${uploadMs} ms, export ${exportMs} ms, ${series?.buckets.length} buckets`,
      );
    });

    it('takes 17,000 points of 1 KB strings within one hour, and deletes part of them', async () => {
      const id = await newDataset({ frequency: undefined });
      const note = (i: number): string => `${i}:`.padEnd(1024, 'abcdefghij');
      const body = Array.from({ length: 17_000 }, (_, i) => JSON.stringify({ timestamp: T0 + i * 200, note: note(i) })).join('\n');
      await upload(id, 'application/x-ndjson', body).expect(200);
      expect(await storedCount(id)).toBe(17_000);

      const deleted = await api
        .delete(`/datasets/${id}/records`)
        .query({ from: T0 + 1000 * 200, to: T0 + 2000 * 200 })
        .expect(200);
      expect(deleted.body).toMatchObject({ count: 1000, totalPoints: 16_000 });
      const exported = (await api.get(`/datasets/${id}/records`).query({ format: 'ndjson' }).expect(200)).text.trim().split('\n');
      const kept = [...Array(17_000).keys()].filter((i) => i < 1000 || i >= 2000);
      expect(exported.map((line) => (JSON.parse(line) as { note: string }).note)).toEqual(kept.map(note));
      const uploads = await withDatabase(testApp.config.mongodb.uri, (db) =>
        db.collection('record_uploads').countDocuments({ datasetId: id }),
      );
      expect(uploads).toBe(0);
    });

    it('refuses two NDJSON points holding a 10 MB string each, naming row and field, and stores nothing', async () => {
      const id = await newDataset();
      const huge = 'x'.repeat(10 * 1024 * 1024);
      const body = [0, 1].map((i) => JSON.stringify({ timestamp: T0 + i * MINUTE, note: huge })).join('\n');
      const refused = await upload(id, 'application/x-ndjson', body).expect(400);
      expect(refused.body.details).toEqual([
        { field: 'row 1', messages: [TOO_LONG] },
        { field: 'row 2', messages: [TOO_LONG] },
      ]);
      expect(await storedCount(id)).toBe(0);
    });

    it('refuses a 20 MB CSV cell, naming row and field', async () => {
      const id = await newDataset();
      const body = `timestamp,kw,note\n${T0},1,plain\n${T0 + MINUTE},2,"${'y'.repeat(20 * 1024 * 1024)}"\n`;
      const refused = await upload(id, 'text/csv', body).expect(400);
      expect(refused.body.details).toEqual([{ field: 'row 2', messages: [TOO_LONG] }]);
      expect(await storedCount(id)).toBe(0);
    });
  });

  describe('every', () => {
    let id: string;
    beforeAll(async () => {
      id = await newDataset();
      await upload(
        id,
        'application/json',
        JSON.stringify([
          { timestamp: '1960-03-01T00:00:00Z', kw: 1 },
          { timestamp: T0, kw: 2 },
        ]),
      ).expect(200);
    });

    it.each([
      ['999999999w', 'json'],
      ['999999999w', 'ndjson'],
      ['999999999w', 'csv'],
      ['14000000w', 'json'],
      ['3650001d', 'csv'],
    ])('refuses every=%s (format=%s) with a 400 naming every', async (every, format) => {
      const refused = await api.get(`/datasets/${id}/records`).query({ every, agg: 'count', format }).expect(400);
      expect(refused.body.details).toEqual([{ field: 'every', messages: [expect.stringContaining('every must be at most 3650000d')] }]);
    });

    it('takes the longest every, an interval that would begin before year 0000 shown from 0000-01-01', async () => {
      const query = { every: '3650000d', agg: 'count' };
      const page = await api.get(`/datasets/${id}/records`).query(query).expect(200);
      expect(page.body.items).toEqual([
        { timestamp: '0000-01-01T00:00:00.000Z', kw: 1, note: 0 },
        { timestamp: '1970-01-01T00:00:00.000Z', kw: 1, note: 0 },
      ]);
      const first = await api
        .get(`/datasets/${id}/records`)
        .query({ ...query, limit: 1 })
        .expect(200);
      const second = await api
        .get(`/datasets/${id}/records`)
        .query({ ...query, limit: 1, cursor: first.body.nextCursor })
        .expect(200);
      expect([...first.body.items, ...second.body.items]).toEqual(page.body.items);
      const csv = await api
        .get(`/datasets/${id}/records`)
        .query({ ...query, format: 'csv' })
        .expect(200);
      expect(csv.text).toBe('timestamp,kw,note\n0000-01-01T00:00:00.000Z,1,0\n1970-01-01T00:00:00.000Z,1,0\n');
    });
  });

  describe('an export that fails after its headers were sent', () => {
    afterEach(() => jest.restoreAllMocks());

    it.each(['ndjson', 'csv'])('is cut off (%s), never ended cleanly, and logged with the request id', async (format) => {
      const id = await newDataset();
      const body = Array.from({ length: 3000 }, (_, i) =>
        JSON.stringify({ timestamp: T0 + i * MINUTE, kw: i, note: `note ${i} `.repeat(8) }),
      ).join('\n');
      await upload(id, 'application/x-ndjson', body).expect(200);

      // The store fails once the first bucket's points (more than one 64 KB chunk) have gone out.
      await expectCutOffWhenTheStoreFails(testApp, `${testApp.url}/datasets/${id}/records?format=${format}`, 2);

      const whole = await getRaw(`${testApp.url}/datasets/${id}/records?format=${format}`);
      expect(whole.complete).toBe(true);
      expect(whole.body.toString().endsWith('\n')).toBe(true);
    });
  });

  describe('text is stored as sent, or refused', () => {
    /** The body with each `é` as the single Latin-1 byte 0xE9, which is not UTF-8. */
    const latin1 = (text: string): Buffer =>
      Buffer.concat(text.split('é').flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from([0xe9]), Buffer.from(part)])));

    it.each([
      ['CSV', 'text/csv', `timestamp,kw,note\n${T0},1,fine\n${T0 + MINUTE},2,café\n`],
      ['NDJSON', 'application/x-ndjson', `{"timestamp":${T0},"note":"fine"}\n{"timestamp":${T0 + MINUTE},"note":"café"}\n`],
      ['a JSON array', 'application/json', `[{"timestamp":${T0},"note":"fine"},\n{"timestamp":${T0 + MINUTE},"note":"café"}]`],
    ])('refuses invalid UTF-8 in %s, naming the row, and stores nothing', async (_name, type, text) => {
      const id = await newDataset();
      const refused = await postRaw(`${testApp.url}/datasets/${id}/records`, type, latin1(text));
      expect(refused.status).toBe(400);
      expect(refused.body.details).toEqual([{ field: 'row 2', messages: ['the row is not valid UTF-8'] }]);
      expect(await storedCount(id)).toBe(0);
    });

    it('exports strings that start with =, +, - or @ unaltered in CSV, and takes them back byte-exact', async () => {
      const notes = ['=1+1', '+x', '-y', '@z', '=HYPERLINK("http://example.com","x")'];
      const source = await newDataset();
      await upload(source, 'application/json', JSON.stringify(notes.map((note, i) => ({ timestamp: T0 + i * MINUTE, note })))).expect(200);
      const csv = (await api.get(`/datasets/${source}/records`).query({ format: 'csv' }).expect(200)).text;
      expect(csv).toBe(
        'timestamp,kw,note\n' +
          `${new Date(T0).toISOString()},,=1+1\n${new Date(T0 + MINUTE).toISOString()},,+x\n${new Date(T0 + 2 * MINUTE).toISOString()},,-y\n` +
          `${new Date(T0 + 3 * MINUTE).toISOString()},,@z\n${new Date(T0 + 4 * MINUTE).toISOString()},,"=HYPERLINK(""http://example.com"",""x"")"\n`,
      );
      const copy = await newDataset();
      await upload(copy, 'text/csv', csv).expect(200);
      expect((await api.get(`/datasets/${copy}/records`).query({ format: 'csv' }).expect(200)).text).toBe(csv);
    });
  });

  describe('control characters in string values', () => {
    const controls = ['\u0000', '\u0007', '\u000b', '\u001b', '\u007f'];
    const message = (control: string): string =>
      `note holds the control character U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} (only TAB, LF and CR are allowed)`;

    it.each([
      [
        'a JSON array',
        'application/json',
        (note: string) =>
          JSON.stringify([
            { timestamp: T0, note: 'ok\ttab\nnew line\r' },
            { timestamp: T0 + MINUTE, note },
          ]),
      ],
      [
        'NDJSON',
        'application/x-ndjson',
        (note: string) => `${JSON.stringify({ timestamp: T0, note: 'ok\ttab' })}\n${JSON.stringify({ timestamp: T0 + MINUTE, note })}\n`,
      ],
      ['CSV', 'text/csv', (note: string) => `timestamp,note\n${T0},"ok\ttab\nnew line"\n${T0 + MINUTE},"${note}"\n`],
    ])('are refused in %s, naming row and field, storing nothing', async (_name, type, body) => {
      const id = await newDataset();
      for (const control of controls) {
        const refused = await upload(id, type, body(`a${control}b`)).expect(400);
        expect(refused.body.details).toEqual([{ field: 'row 2', messages: [message(control)] }]);
      }
      expect(await storedCount(id)).toBe(0);
      await upload(id, type, body('plain')).expect(200);
      expect(await storedCount(id)).toBe(2);
    });
  });

  describe('keys that are not declared fields', () => {
    it('refuses __proto__ in a JSON array like NDJSON does, naming the row', async () => {
      const id = await newDataset();
      const points = [`{"timestamp":${T0},"kw":1}`, `{"timestamp":${T0 + MINUTE},"__proto__":{"kw":5}}`];
      for (const [type, body] of [
        ['application/json', `[${points.join(',')}]`],
        ['application/x-ndjson', points.join('\n')],
      ]) {
        const refused = await upload(id, type, body).expect(400);
        expect(refused.body.details).toEqual([{ field: 'row 2', messages: ['unknown field "__proto__"'] }]);
      }
      expect(await storedCount(id)).toBe(0);
    });

    it.each(['constructor', 'toString', 'hasOwnProperty'])('refuses %s when it is not a field, in all three formats', async (key) => {
      const id = await newDataset();
      for (const [type, body] of [
        ['application/json', `[{"timestamp":${T0},"kw":1},{"timestamp":${T0 + MINUTE},"${key}":1}]`],
        ['application/x-ndjson', `{"timestamp":${T0},"kw":1}\n{"timestamp":${T0 + MINUTE},"${key}":1}\n`],
      ]) {
        const refused = await upload(id, type, body).expect(400);
        expect(refused.body.details).toEqual([{ field: 'row 2', messages: [`unknown field "${key}"`] }]);
      }
      const csv = await upload(id, 'text/csv', `timestamp,kw,${key}\n${T0},1,1\n`).expect(400);
      expect(csv.body.message).toBe(`CSV header names unknown columns: ${key}`);
      expect(await storedCount(id)).toBe(0);
    });
  });
});
