import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import request from 'supertest';
import { AppProcess, spawnApp } from './support/app-process';
import { deleteTopics } from './support/kafka';
import { uriWithDatabase, withDatabase } from './support/mongo';
import { freePort } from './support/ports';
import { ensureVenv } from './support/python-venv';
import { waitFor } from './support/wait';

const POINTS = 1_000_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const PYARROW = 'pyarrow==26.0.1';
/** As for the NDJSON export (records-large): far below what holding a million points would take. */
const PEAK_RSS_LIMIT_MB = 400;
const FIELDS = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'note', type: 'string' },
  { name: 'ok', type: 'boolean', unit: 'flag' },
  { name: 'temp', type: 'number', unit: '°C' },
];

interface FileReport {
  rows: number;
  fields: { name: string; type: string; nullable: boolean; metadata: Record<string, string> }[];
  metadata: Record<string, string>;
  differences: { count: number; first: unknown[] };
}
interface Report {
  pyarrow: string;
  parquet: FileReport & { logicalTypes: Record<string, string>; rowGroups: number[]; keyValueKeys: string[] };
  arrow: FileReport & { batches: number[] };
}

/** The service's peak resident memory so far (Linux: VmHWM). */
function peakRssMb(app: AppProcess): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${app.child.pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1]) / 1024);
}

/** CSV cells: every field null now and then, strings with non-ASCII letters, quotes and commas, and empty ones. */
function csvRow(i: number): string {
  const kw = i % 10 === 3 ? '' : String(Math.sin(i) * 1000);
  const note = i % 5 === 0 ? '' : i % 11 === 0 ? '""' : i % 997 === 0 ? `"say ""hi"", ${i}"` : `n${i} é αβ`;
  const ok = i % 7 === 0 ? '' : String(i % 2 === 0);
  const temp = i % 13 === 0 ? '' : String((i % 400) - 100.5);
  return `${T0 + i * 1000},${kw},${note},${ok},${temp}\n`;
}

/** A million-row CSV body, generated as it is sent. */
function csvBody(): Readable {
  let i = 0;
  return new Readable({
    read() {
      let chunk = i === 0 ? 'timestamp,kw,note,ok,temp\n' : '';
      for (let n = 0; n < 10_000 && i < POINTS; n++, i++) chunk += csvRow(i);
      this.push(chunk);
      if (i >= POINTS) this.push(null);
    },
  });
}

/**
 * A million points with number, string and boolean fields, nulls and units,
 * exported as Parquet and as an Arrow stream by the built service (in a
 * process of its own, so that its memory is measured alone) and read back by
 * pyarrow — another implementation than either writer — value for value
 * against the NDJSON export.
 */
describe('Columnar exports of a million points, read back by pyarrow (e2e)', () => {
  const suffix = randomUUID().slice(0, 8);
  const env = {
    MONGODB_URI: uriWithDatabase(process.env.MONGODB_URI ?? '', `e2e_columnar_${suffix}`),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_TOPIC: `e2e_columnar_${suffix}`,
    KAFKA_GROUP_ID: `e2e-columnar-${suffix}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const folder = mkdtempSync(path.join(tmpdir(), 'columnar-'));
  let app: AppProcess;
  let url: string;
  let python: string;

  beforeAll(async () => {
    python = path.join(ensureVenv('.venv-pyarrow', PYARROW), 'python');
    const port = await freePort();
    app = spawnApp({ ...env, PORT: String(port) });
    url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await request(url).get('/health')).status === 200, { what: 'the service to start' });
  }, 600_000);

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    app?.child.kill('SIGTERM');
    await app?.exited;
    await withDatabase(env.MONGODB_URI, (db) => db.dropDatabase());
    await deleteTopics((env.KAFKA_BROKERS ?? '').split(','), [env.KAFKA_TOPIC, `${env.KAFKA_TOPIC}.dlq`]);
  });

  /** Downloads an export to a file; its headers, size and the service's peak memory after it. */
  async function download(id: string, format: string): Promise<{ file: string; headers: Headers; bytes: number; peakMb: number }> {
    const response = await fetch(`${url}/datasets/${id}/records?format=${format}`);
    expect(response.status).toBe(200);
    const file = path.join(folder, `export.${format}`);
    await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(file));
    return { file, headers: response.headers, bytes: statSync(file).size, peakMb: peakRssMb(app) };
  }

  it('exports Parquet and Arrow that pyarrow reads back value for value, within bounded memory', async () => {
    const api = request(url);
    const ownerId = (
      await api
        .post('/users')
        .send({ name: 'Columnar', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id;
    const id = (await api.post('/datasets').send({ ownerId, name: 'wind farm 7', frequency: '1s', fields: FIELDS }).expect(201)).body.id;

    const upload = await fetch(`${url}/datasets/${id}/records`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: Readable.toWeb(csvBody()) as ReadableStream,
      duplex: 'half',
    });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ count: POINTS, totalPoints: POINTS });
    const afterUpload = peakRssMb(app);

    const ndjson = await download(id, 'ndjson');
    const parquet = await download(id, 'parquet');
    const arrow = await download(id, 'arrow');
    process.stdout.write(
      `[columnar] ${POINTS} points: ndjson ${ndjson.bytes} B, parquet ${parquet.bytes} B, arrow ${arrow.bytes} B; ` +
        `service peak RSS ${afterUpload} MB after the upload, ${ndjson.peakMb} / ${parquet.peakMb} / ${arrow.peakMb} MB after each export\n`,
    );
    expect(parquet.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(parquet.headers.get('content-disposition')).toBe('attachment; filename="wind farm 7.parquet"');
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    expect(arrow.headers.get('content-disposition')).toBe('attachment; filename="wind farm 7.arrows"');
    expect(Math.max(parquet.peakMb, arrow.peakMb)).toBeLessThan(PEAK_RSS_LIMIT_MB);

    const { stdout } = await promisify(execFile)(
      python,
      [path.join(__dirname, 'support', 'read-columnar.py'), ndjson.file, parquet.file, arrow.file],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const report = JSON.parse(stdout) as Report;
    for (const file of [report.parquet, report.arrow]) {
      expect(file.differences).toEqual({ count: 0, first: [] });
      expect(file.rows).toBe(POINTS);
      expect(file.fields).toEqual([
        { name: 'timestamp', type: 'timestamp[ms, tz=UTC]', nullable: false, metadata: {} },
        { name: 'kw', type: 'double', nullable: true, metadata: { unit: 'kW' } },
        { name: 'note', type: 'string', nullable: true, metadata: {} },
        { name: 'ok', type: 'bool', nullable: true, metadata: { unit: 'flag' } },
        { name: 'temp', type: 'double', nullable: true, metadata: { unit: '°C' } },
      ]);
      expect(file.metadata).toEqual({ 'dataset.id': id, 'dataset.name': 'wind farm 7', 'dataset.fields': JSON.stringify(FIELDS) });
    }
    expect(report.parquet.logicalTypes).toEqual({
      timestamp: 'Timestamp(isAdjustedToUTC=true, timeUnit=milliseconds, is_from_converted_type=false, force_set_converted_type=false)',
      kw: 'None',
      note: 'String',
      ok: 'None',
      temp: 'None',
    });
    const batches = [...Array<number>(Math.floor(POINTS / 65_536)).fill(65_536), POINTS % 65_536];
    expect(report.parquet.rowGroups).toEqual(batches);
    expect(report.arrow.batches).toEqual(batches);
    expect(report.parquet.keyValueKeys).toEqual(['ARROW:schema', 'dataset.fields', 'dataset.id', 'dataset.name']);
  }, 600_000);
});
