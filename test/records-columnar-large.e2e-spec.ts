import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { csvBody } from './support/csv-body';
import { ensureVenv } from './support/python-venv';
import { ServiceProcess } from './support/service-process';
import { authedApi, bearer } from './support/auth';
import { recordMeasurement } from './support/test-log';

const POINTS = 1_000_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const PYARROW = 'pyarrow==26.0.1';
/**
 * The service's peak through the upload, and through each export in a process of its own (issue 20's bound;
 * docs/operations.md#memory). Holding a million points would take far more.
 */
const PEAK_RSS_LIMIT_MB = 250;
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

/** CSV cells: every field null now and then, strings with non-ASCII letters, quotes and commas, and empty ones. */
function csvRow(i: number): string {
  const kw = i % 10 === 3 ? '' : String(Math.sin(i) * 1000);
  const note = i % 5 === 0 ? '' : i % 11 === 0 ? '""' : i % 997 === 0 ? `"say ""hi"", ${i}"` : `n${i} é αβ`;
  const ok = i % 7 === 0 ? '' : String(i % 2 === 0);
  const temp = i % 13 === 0 ? '' : String((i % 400) - 100.5);
  return `${T0 + i * 1000},${kw},${note},${ok},${temp}\n`;
}

/**
 * A million points with number, string and boolean fields, nulls and units,
 * exported as Parquet and as an Arrow stream by the built service (in a
 * process of its own, so that its memory is measured alone) and read back by
 * pyarrow — another implementation than either writer — value for value
 * against the NDJSON export.
 */
describe('Columnar exports of a million points, read back by pyarrow (e2e)', () => {
  const service = new ServiceProcess('e2e_columnar');
  const folder = mkdtempSync(path.join(tmpdir(), 'columnar-'));
  let python: string;

  beforeAll(() => {
    python = path.join(ensureVenv('.venv-pyarrow', PYARROW), 'python');
  }, 600_000);

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await service.remove();
  });

  /**
   * Downloads an export to a file from a service started for it alone, so that
   * its peak memory is that export's: its headers, size, duration and that peak.
   */
  async function download(
    id: string,
    format: string,
  ): Promise<{ file: string; headers: Headers; bytes: number; peakMb: number; s: number }> {
    await service.start();
    try {
      const started = Date.now();
      const response = await fetch(`${service.url}/datasets/${id}/records?format=${format}`, {
        headers: { authorization: bearer(service.adminToken) },
      });
      expect(response.status).toBe(200);
      const file = path.join(folder, `export.${format}`);
      await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(file));
      return { file, headers: response.headers, bytes: statSync(file).size, peakMb: service.peakRssMb(), s: (Date.now() - started) / 1000 };
    } finally {
      await service.stop();
    }
  }

  it('exports Parquet and Arrow that pyarrow reads back value for value, within bounded memory', async () => {
    await service.start();
    const url = service.url;
    const api = authedApi(url, service.adminToken);
    const ownerId = (
      await api
        .post('/users')
        .send({ name: 'Columnar', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id;
    const id = (await api.post('/datasets').send({ ownerId, name: 'wind farm 7', frequency: '1s', fields: FIELDS }).expect(201)).body.id;

    const upload = await fetch(`${url}/datasets/${id}/records`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: bearer(service.adminToken) },
      body: Readable.toWeb(csvBody('timestamp,kw,note,ok,temp', POINTS, csvRow)) as ReadableStream,
      duplex: 'half',
    });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ count: POINTS, totalPoints: POINTS });
    const afterUpload = service.peakRssMb();
    await service.stop();

    const ndjson = await download(id, 'ndjson');
    const parquet = await download(id, 'parquet');
    const arrow = await download(id, 'arrow');
    recordMeasurement(
      `[columnar] ${POINTS} points: ndjson ${ndjson.bytes} B in ${ndjson.s} s, parquet ${parquet.bytes} B in ${parquet.s} s, ` +
        `arrow ${arrow.bytes} B in ${arrow.s} s; ` +
        `service peak RSS ${afterUpload} MB for the upload, ${ndjson.peakMb} / ${parquet.peakMb} / ${arrow.peakMb} MB for each export alone`,
    );
    expect(parquet.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(parquet.headers.get('content-disposition')).toBe('attachment; filename="wind farm 7.parquet"');
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    expect(arrow.headers.get('content-disposition')).toBe('attachment; filename="wind farm 7.arrows"');
    // Names what passed the bound, with its peak.
    const peaks = { upload: afterUpload, ndjson: ndjson.peakMb, parquet: parquet.peakMb, arrow: arrow.peakMb };
    expect(Object.entries(peaks).filter(([, mb]) => !(mb < PEAK_RSS_LIMIT_MB))).toEqual([]);

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
      expect(file.metadata).toEqual({
        'dataset.id': id,
        'dataset.name': 'wind farm 7',
        'dataset.fields': JSON.stringify(FIELDS),
        'dataset.version': 'live',
      });
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
    expect(report.parquet.keyValueKeys).toEqual(['ARROW:schema', 'dataset.fields', 'dataset.id', 'dataset.name', 'dataset.version']);
  }, 600_000);
});
