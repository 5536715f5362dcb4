import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { authedApi, bearer } from './support/auth';
import { csvBody } from './support/csv-body';
import { ServiceProcess } from './support/service-process';
import { recordMeasurement } from './support/test-log';

const POINTS = 1_000_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
/**
 * Issue 20's bound through the upload and the export (docs/operations.md#memory). A service that held the whole series
 * in memory would need far more: the export alone is ~70 MB of text.
 */
const PEAK_RSS_LIMIT_MB = 250;

/** A million-row CSV body, generated as it is sent: the test never holds it either. */
const body = (): Readable => csvBody('timestamp,a,b,c', POINTS, (i) => `${T0 + i * 1000},${i},${i % 97},${-i / 4}\n`);

/** Runs the built service in a process of its own, so that its memory is measured alone. */
describe('A million points through the records API (e2e)', () => {
  const service = new ServiceProcess('e2e_large');
  const adminToken = service.adminToken;
  let url: string;

  beforeAll(async () => {
    await service.start();
    url = service.url;
  });

  afterAll(() => service.remove());

  it('takes a streamed million-row CSV upload and streams it back, within bounded memory', async () => {
    const api = authedApi(url, adminToken);
    const ownerId = (
      await api
        .post('/users')
        .send({ name: 'Big', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id;
    const fields = ['a', 'b', 'c'].map((name) => ({ name, type: 'number' }));
    const id = (await api.post('/datasets').send({ ownerId, name: 'big', frequency: '1s', fields }).expect(201)).body.id;

    const upload = await fetch(`${url}/datasets/${id}/records`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: bearer(adminToken) },
      body: Readable.toWeb(body()) as ReadableStream,
      duplex: 'half',
    });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ count: POINTS, totalPoints: POINTS });
    const afterUpload = service.peakRssMb();

    const exported = await fetch(`${url}/datasets/${id}/records?format=ndjson`, { headers: { authorization: bearer(adminToken) } });
    expect(exported.status).toBe(200);
    let lines = 0;
    let first = '';
    let tail = '';
    const decoder = new TextDecoder();
    for await (const chunk of exported.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      if (!first) first = text.slice(0, text.indexOf('\n'));
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
      tail = (tail + text).slice(-200);
    }
    const afterExport = service.peakRssMb();
    recordMeasurement(`[large] peak RSS of the service: ${afterUpload} MB after the upload, ${afterExport} MB after the export`);

    expect(lines).toBe(POINTS);
    expect(JSON.parse(first)).toEqual({ timestamp: new Date(T0).toISOString(), a: 0, b: 0, c: 0 });
    const last = POINTS - 1;
    expect(JSON.parse(tail.trim().split('\n').pop() ?? '')).toEqual({
      timestamp: new Date(T0 + last * 1000).toISOString(),
      a: last,
      b: last % 97,
      c: -last / 4,
    });
    expect(afterUpload).toBeLessThan(PEAK_RSS_LIMIT_MB);
    expect(afterExport).toBeLessThan(PEAK_RSS_LIMIT_MB);

    const stats = (await api.get(`/datasets/${id}/stats`).expect(200)).body;
    expect(stats).toMatchObject({ count: POINTS, fields: { a: { min: 0, max: last, mean: last / 2 } } });
  });
});
