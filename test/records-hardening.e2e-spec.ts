import { MINUTE, T0 } from '../src/common/testing/time';
import request from 'supertest';
import { expectCutOffWhenTheStoreFails, getRaw } from './support/broken-export';
import { Api, createDataset, postRaw, createOwner, uploadRecords } from './support/records-fixture';
import { bearer } from './support/auth';
import { useTestApp } from './support/test-app';

const NOTE_FIELDS = [
  { name: 'kw', type: 'number' },
  { name: 'note', type: 'string' },
];

describe('Records hardening: no 5xx on any input (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let ownerId: string;

  beforeAll(async () => {
    api = testApp.api();
    ownerId = await createOwner(api, 'Hardener');
  });

  const newDataset = (extra: Record<string, unknown> = {}): Promise<string> => createDataset(api, ownerId, 'hardening', NOTE_FIELDS, extra);
  const upload = (id: string, type: string, body: string | Buffer): request.Test => uploadRecords(api, id, type, body);

  const storedCount = async (id: string): Promise<number> => (await api.get(`/datasets/${id}/stats`).expect(200)).body.count;

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

      const whole = await getRaw(`${testApp.url}/datasets/${id}/records?format=${format}`, { Authorization: bearer(testApp.adminToken) });
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
      const refused = await postRaw(`${testApp.url}/datasets/${id}/records`, testApp.adminToken, type, latin1(text));
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
