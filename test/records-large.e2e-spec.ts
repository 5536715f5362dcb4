import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import request from 'supertest';
import { AppProcess, spawnApp } from './support/app-process';
import { deleteTopics } from './support/kafka';
import { uriWithDatabase, withDatabase } from './support/mongo';
import { freePort } from './support/ports';
import { waitFor } from './support/wait';
import { authedApi, bearer, newAdminToken } from './support/auth';

const POINTS = 1_000_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
/** A service that held the whole series in memory would need far more: the export alone is ~70 MB of text. */
const PEAK_RSS_LIMIT_MB = 400;

/** The built service's peak resident memory so far (Linux: VmHWM). */
function peakRssMb(app: AppProcess): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${app.child.pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1]) / 1024);
}

/** A million-row CSV body, generated as it is sent: the test never holds it either. */
function csvBody(): Readable {
  let i = 0;
  return new Readable({
    read() {
      let chunk = i === 0 ? 'timestamp,a,b,c\n' : '';
      for (let n = 0; n < 10_000 && i < POINTS; n++, i++) chunk += `${T0 + i * 1000},${i},${i % 97},${-i / 4}\n`;
      this.push(chunk);
      if (i >= POINTS) this.push(null);
    },
  });
}

/** Runs the built service in a process of its own, so that its memory is measured alone. */
describe('A million points through the records API (e2e)', () => {
  const suffix = randomUUID().slice(0, 8);
  const adminToken = newAdminToken();
  const env = {
    MONGODB_URI: uriWithDatabase(process.env.MONGODB_URI ?? '', `e2e_large_${suffix}`),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_TOPIC: `e2e_large_${suffix}`,
    KAFKA_GROUP_ID: `e2e-large-${suffix}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    BOOTSTRAP_ADMIN_EMAIL: `admin-${suffix}@example.com`,
    BOOTSTRAP_ADMIN_TOKEN: adminToken,
  };
  let app: AppProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    app = spawnApp({ ...env, PORT: String(port) });
    url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await request(url).get('/health')).status === 200, { what: 'the service to start' });
  });

  afterAll(async () => {
    app?.child.kill('SIGTERM');
    await app?.exited;
    await withDatabase(env.MONGODB_URI, (db) => db.dropDatabase());
    await deleteTopics((env.KAFKA_BROKERS ?? '').split(','), [env.KAFKA_TOPIC, `${env.KAFKA_TOPIC}.dlq`]);
  });

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
      body: Readable.toWeb(csvBody()) as ReadableStream,
      duplex: 'half',
    });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ count: POINTS, totalPoints: POINTS });
    const afterUpload = peakRssMb(app);

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
    const afterExport = peakRssMb(app);
    process.stdout.write(`[large] peak RSS of the service: ${afterUpload} MB after the upload, ${afterExport} MB after the export\n`);

    expect(lines).toBe(POINTS);
    expect(JSON.parse(first)).toEqual({ timestamp: new Date(T0).toISOString(), a: 0, b: 0, c: 0 });
    const last = POINTS - 1;
    expect(JSON.parse(tail.trim().split('\n').pop() ?? '')).toEqual({
      timestamp: new Date(T0 + last * 1000).toISOString(),
      a: last,
      b: last % 97,
      c: -last / 4,
    });
    expect(afterExport).toBeLessThan(PEAK_RSS_LIMIT_MB);

    const stats = (await api.get(`/datasets/${id}/stats`).expect(200)).body;
    expect(stats).toMatchObject({ count: POINTS, fields: { a: { min: 0, max: last, mean: last / 2 } } });
  });
});
