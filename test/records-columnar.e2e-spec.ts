import { MINUTE, T0 } from '../src/common/testing/time';
import { Table, tableFromIPC } from 'apache-arrow';
import { randomUUID } from 'node:crypto';
import { readParquet } from 'parquet-wasm';
import request from 'supertest';
import { expectCutOffWhenTheStoreFails, getRaw } from './support/broken-export';
import { Api } from './support/auth';
import { createOwner } from './support/records-fixture';
import { useTestApp } from './support/test-app';

const FIELDS = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'note', type: 'string' },
  { name: 'ok', type: 'boolean' },
];
const FORMATS = ['parquet', 'arrow'] as const;
const readBack = (format: (typeof FORMATS)[number], body: Buffer): Table =>
  format === 'arrow' ? tableFromIPC(body) : tableFromIPC(readParquet(body).intoIPCStream());

/** supertest keeps binary bodies it does not know as a Buffer only when asked to. */
const binary = (test: request.Test): request.Test =>
  test.buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  });

describe('Columnar records exports: Parquet and Arrow (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let ownerId: string;

  beforeAll(async () => {
    api = testApp.api();
    ownerId = await createOwner(api, 'Columnar');
  });

  /** A dataset holding `count` points a minute apart (every 4th value null). */
  async function datasetWith(count: number, name = `columnar-${randomUUID()}`): Promise<string> {
    const id = (await api.post('/datasets').send({ ownerId, name, frequency: '1m', fields: FIELDS }).expect(201)).body.id;
    const rows = Array.from({ length: count }, (_, i) =>
      [T0 + i * MINUTE, i % 4 === 1 ? '' : i / 2, i % 4 === 2 ? '' : `note ${i} ${'x'.repeat(40)}`, i % 4 === 3 ? '' : i % 2 === 0].join(
        ',',
      ),
    );
    await api
      .post(`/datasets/${id}/records`)
      .set('Content-Type', 'text/csv')
      .send(`timestamp,kw,note,ok\n${rows.join('\n')}\n`)
      .expect(200);
    return id;
  }

  const exported = async (id: string, query: Record<string, string>): Promise<Buffer> =>
    (await binary(api.get(`/datasets/${id}/records`).query(query)).expect(200)).body as Buffer;

  it.each(FORMATS)('%s: the same points as the JSON pages, with its media type and a file name', async (format) => {
    const id = await datasetWith(300, `Turbine α/7 ${format}`);
    const response = await binary(api.get(`/datasets/${id}/records`).query({ format, from: T0 + 10 * MINUTE, fields: 'ok,kw' })).expect(
      200,
    );
    expect(response.headers['content-type']).toBe(
      format === 'parquet' ? 'application/vnd.apache.parquet' : 'application/vnd.apache.arrow.stream',
    );
    const extension = format === 'parquet' ? 'parquet' : 'arrows';
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="Turbine ?_7 ${format}.${extension}"; filename*=UTF-8''Turbine%20%CE%B1_7%20${format}.${extension}`,
    );
    const table = readBack(format, response.body as Buffer);
    const page = (
      await api
        .get(`/datasets/${id}/records`)
        .query({ from: T0 + 10 * MINUTE, fields: 'ok,kw', limit: 1000 })
        .expect(200)
    ).body;
    expect(table.toArray().map((row) => ({ ...row.toJSON(), timestamp: new Date(Number(row.timestamp)).toISOString() }))).toEqual(
      page.items,
    );
    expect(table.schema.fields.map((field) => field.name)).toEqual(['timestamp', 'ok', 'kw']);
  });

  it.each(FORMATS)('%s: downsampled, counts are integers and first/last keep the field type', async (format) => {
    const id = await datasetWith(300);
    for (const agg of ['count', 'avg', 'first']) {
      const table = readBack(format, await exported(id, { format, every: '1h', agg }));
      const page = (await api.get(`/datasets/${id}/records`).query({ every: '1h', agg }).expect(200)).body;
      const types = table.schema.fields.slice(1).map((field) => String(field.type));
      expect(types).toEqual(
        { count: ['Int64', 'Int64', 'Int64'], avg: ['Float64', 'Float64', 'Float64'], first: ['Float64', 'Utf8', 'Bool'] }[agg],
      );
      const rows = table.toArray().map((row) => row.toJSON() as Record<string, unknown>);
      expect(rows.map(({ timestamp, ...values }) => ({ timestamp: new Date(Number(timestamp)).toISOString(), ...values }))).toEqual(
        page.items.map((item: Record<string, unknown>) =>
          agg === 'count' ? Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typeof v === 'number' ? BigInt(v) : v])) : item,
        ),
      );
      expect(JSON.parse(table.schema.metadata.get('records.downsampling') ?? '')).toEqual({ everyMs: 3_600_000, agg });
    }
  });

  it.each(FORMATS)('%s: an empty range is a file with the schema and no rows', async (format) => {
    const id = await datasetWith(10);
    const table = readBack(format, await exported(id, { format, from: String(T0 + 100 * MINUTE) }));
    expect([table.numRows, table.schema.fields.length]).toEqual([0, 4]);
  });

  it.each(FORMATS)('%s: an unknown dataset is a JSON 404, not a file', async (format) => {
    const response = await api
      .get(`/datasets/${'0'.repeat(24)}/records`)
      .query({ format })
      .expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['content-disposition']).toBeUndefined();
  });

  describe('an export that fails after its headers were sent', () => {
    let id: string;
    // More than one record batch (65,536 rows): the first is sent before the store fails.
    beforeAll(async () => (id = await datasetWith(70_000)));
    afterEach(() => jest.restoreAllMocks());

    it.each(FORMATS)('is cut off (%s), never ended cleanly, and logged with the request id', async (format) => {
      await expectCutOffWhenTheStoreFails(testApp, `${testApp.url}/datasets/${id}/records?format=${format}`, 68);

      const whole = await getRaw(`${testApp.url}/datasets/${id}/records?format=${format}`, {
        authorization: `Bearer ${testApp.adminToken}`,
      });
      expect(whole.complete).toBe(true);
      expect(readBack(format, whole.body).numRows).toBe(70_000);
    });
  });
});
