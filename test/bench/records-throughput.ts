/**
 * npm run bench:records — points per second through the records API against
 * the raw MongoDB driver on the same store, for ingest and for export.
 *
 * Service: BENCH_POINTS points (default 1,000,000; 3 numeric fields, one per
 * second) uploaded as streamed BENCH_FORMAT (csv, the default, or ndjson) in
 * requests of BENCH_BATCH points (default 250,000), then exported as one
 * streamed NDJSON download, then as Parquet and as an Arrow IPC stream. Raw
 * driver: insertMany of the same bucket documents (1,000 points each, batches
 * of 50), then one cursor over them. Also prints the service's peak memory
 * (VmHWM) and the CPU seconds it spent on the ingest, and each export's own,
 * from a service restarted for it; and, per 1,000 points, the store commands the
 * service sent (test/bench/command-probe.js) and the CPU the local stack's
 * FerretDB spent on each side (its bottleneck: load-insensitive, unlike the times).
 */
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { LocalStack } from '../../stack/local-stack';
import { withDatabase } from '../support/mongo';
import { rssMb } from '../support/process-memory';
import { printTable, startBenchEnvironment } from './bench-environment';
import { commandProbe, commandsByName, Counted } from './command-counts';
import { processCpuMs } from './process-cpu';

const total = Number(process.env.BENCH_POINTS ?? 1_000_000);
const batch = Number(process.env.BENCH_BATCH ?? 250_000);
const format = process.env.BENCH_FORMAT === 'ndjson' ? 'ndjson' : 'csv';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const value = (i: number, k: number): number => Math.round(Math.sin(i / (50 + k * 7)) * 1e6) / 1e3;

/**
 * `count` points from `offset` as a CSV body, in 64 KB chunks — made before
 * the clock starts, as the raw driver's documents are, so that both sides
 * time only the work of storing them.
 */
function uploadBody(offset: number, count: number): Buffer[] {
  const chunks: Buffer[] = [];
  let chunk = format === 'csv' ? 'timestamp,a,b,c\n' : '';
  for (let i = offset; i < offset + count; i++) {
    chunk +=
      format === 'csv'
        ? `${T0 + i * 1000},${value(i, 0)},${value(i, 1)},${value(i, 2)}\n`
        : `{"timestamp":${T0 + i * 1000},"a":${value(i, 0)},"b":${value(i, 1)},"c":${value(i, 2)}}\n`;
    if (chunk.length >= 65_536) {
      chunks.push(Buffer.from(chunk));
      chunk = '';
    }
  }
  chunks.push(Buffer.from(chunk));
  return chunks;
}

/** CPU seconds the service has used (user + system). */
const cpuSeconds = (pid: number | undefined): number => processCpuMs(pid) / 1000;

/** Commands per 1,000 points, in all and the largest few by command and collection. */
function perThousand(counted: Counted): string {
  const named = commandsByName(counted);
  const all = named.reduce((sum, [, commands]) => sum + commands, 0);
  const each = named.slice(0, 6).map(([name, commands]) => `${name} ${((commands * 1000) / total).toFixed(2)}`);
  return `${((all * 1000) / total).toFixed(2)} (${each.join(', ')})`;
}

/** One streamed export, read to the end: its size and (text only, as binary bytes need no look) its lines. */
async function download(url: string, authorization: string, countLines: boolean): Promise<{ bytes: number; lines: number }> {
  const response = await fetch(url, { headers: { authorization } });
  if (!response.ok || !response.body) throw new Error(`export failed: ${response.status}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    if (countLines) for (const byte of chunk) if (byte === 10) lines++;
  }
  return { bytes, lines };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function main(): Promise<void> {
  const probe = commandProbe();
  const bench = await startBenchEnvironment(probe.env);
  // Undefined on a store of one's own (MONGODB_URI): its CPU then reads as 0.
  const storePid = (await new LocalStack().status()).find(({ name }) => name === 'ferretdb' && !process.env.MONGODB_URI)?.pid;
  const storeSeconds = (): number => processCpuMs(storePid) / 1000;
  const authorization = `Bearer ${bench.adminToken}`;
  try {
    const post = async (path: string, body: unknown): Promise<{ id: string }> => {
      const response = await fetch(`${bench.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string };
    };
    const owner = await post('/users', { name: 'Bench', email: `${randomUUID()}@example.com` });
    const fields = ['a', 'b', 'c'].map((name) => ({ name, type: 'number' }));
    const dataset = await post('/datasets', { ownerId: owner.id, name: 'bench-series', frequency: '1s', fields });
    const rssBefore = rssMb(bench.app.child.pid);

    const bodies: Buffer[][] = [];
    for (let offset = 0; offset < total; offset += batch) bodies.push(uploadBody(offset, Math.min(batch, total - offset)));
    process.stderr.write(`[bench] ingesting ${total} points through the API in requests of ${batch}...\n`);
    await probe.read(bench);
    const ingestCpuBefore = cpuSeconds(bench.app.child.pid);
    const ingestStoreBefore = storeSeconds();
    const ingest = await timed(async () => {
      for (const [n, body] of bodies.entries()) {
        const offset = n * batch;
        const response = await fetch(`${bench.url}/datasets/${dataset.id}/records`, {
          method: 'POST',
          headers: { 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson', authorization },
          // Streamed, chunk by chunk, as a client uploading a file would.
          body: Readable.toWeb(Readable.from(body)) as ReadableStream,
          duplex: 'half',
        });
        if (!response.ok) throw new Error(`upload failed: ${response.status} ${await response.text()}`);
        await response.json();
        process.stderr.write(`[bench]   ${Math.min(offset + batch, total)} / ${total}\n`);
      }
    });
    const rssAfterIngest = rssMb(bench.app.child.pid);
    const ingestCpu = cpuSeconds(bench.app.child.pid) - ingestCpuBefore;
    const ingestStore = storeSeconds() - ingestStoreBefore;
    const ingestCommands = await probe.read(bench);

    const exports: Record<
      string,
      { seconds: number; cpu: number; store: number; commands: Counted; bytes: number; startMb: number; peakMb: number }
    > = {};
    for (const exportFormat of ['ndjson', 'parquet', 'arrow']) {
      process.stderr.write(`[bench] exporting them as ${exportFormat}...\n`);
      await bench.restart();
      const startMb = rssMb(bench.app.child.pid, 'VmRSS');
      await probe.read(bench);
      const cpuBefore = cpuSeconds(bench.app.child.pid);
      const storeBefore = storeSeconds();
      const { result, seconds } = await timed(() =>
        download(`${bench.url}/datasets/${dataset.id}/records?format=${exportFormat}`, authorization, exportFormat === 'ndjson'),
      );
      if (exportFormat === 'ndjson' && result.lines !== total) throw new Error(`exported ${result.lines} points, expected ${total}`);
      const cpu = cpuSeconds(bench.app.child.pid) - cpuBefore;
      const store = storeSeconds() - storeBefore;
      const commands = await probe.read(bench);
      exports[exportFormat] = { seconds, cpu, store, commands, bytes: result.bytes, startMb, peakMb: rssMb(bench.app.child.pid) };
    }
    const exported = exports.ndjson;

    process.stderr.write('[bench] the same through the raw driver...\n');
    const raw = await withDatabase(bench.env.MONGODB_URI ?? '', async (db) => {
      const collection = db.collection<{ _id: string; datasetId: string; start: number; t: number[]; v: Record<string, number[]> }>(
        'raw_bench_buckets',
      );
      await collection.drop().catch(() => undefined);
      const docs: { _id: string; datasetId: string; start: number; t: number[]; v: Record<string, number[]> }[] = [];
      for (let start = 0; start < total; start += 1000) {
        const t: number[] = [];
        const v: Record<string, number[]> = { a: [], b: [], c: [] };
        for (let i = start; i < Math.min(start + 1000, total); i++) {
          t.push(T0 + i * 1000);
          v.a.push(value(i, 0));
          v.b.push(value(i, 1));
          v.c.push(value(i, 2));
        }
        docs.push({ _id: `raw:${start}`, datasetId: 'raw', start: T0 + start * 1000, t, v });
      }
      const insertStoreBefore = storeSeconds();
      const insert = await timed(async () => {
        for (let i = 0; i < docs.length; i += 50) await collection.insertMany(docs.slice(i, i + 50), { ordered: false });
      });
      const insertStore = storeSeconds() - insertStoreBefore;
      const readStoreBefore = storeSeconds();
      const read = await timed(async () => {
        let points = 0;
        for await (const doc of collection.find({})) points += doc.t.length;
        return points;
      });
      const readStore = storeSeconds() - readStoreBefore;
      await collection.drop();
      return { insert, read, insertStore, readStore };
    });

    const rows: (string | number)[][] = [
      [
        'ingest',
        Math.round(total / ingest.seconds),
        Math.round(total / raw.insert.seconds),
        (raw.insert.seconds / ingest.seconds).toFixed(2),
      ],
      [
        'export',
        Math.round(total / exported.seconds),
        Math.round(total / raw.read.seconds),
        (raw.read.seconds / exported.seconds).toFixed(2),
      ],
    ];
    process.stdout.write(
      `\n${total} points, 3 numeric fields, uploaded as ${format} in requests of ${batch} (${new Date().toISOString()})\n\n`,
    );
    printTable(['phase', 'service points/s', 'raw driver points/s', 'ratio'], rows);
    process.stdout.write(
      `\nservice peak RSS: ${rssBefore} MB before, ${rssAfterIngest} MB after ingest; service CPU through the ingest: ${ingestCpu.toFixed(1)} s\n\n`,
    );
    printTable(
      ['export', 'points/s', 'ratio to ndjson', 'service CPU s', 'bytes', 'bytes/point', 'fresh service RSS MB: start → peak'],
      Object.entries(exports).map(([name, { seconds, cpu, bytes, startMb, peakMb }]) => [
        name,
        Math.round(total / seconds),
        (exported.seconds / seconds).toFixed(2),
        cpu.toFixed(1),
        bytes,
        (bytes / total).toFixed(1),
        `${startMb} → ${peakMb}`,
      ]),
    );
    process.stdout.write('\n');
    printTable(
      ['phase', 'FerretDB CPU s: service', 'raw driver', 'service store commands per 1,000 points'],
      [
        ['ingest', ingestStore.toFixed(1), raw.insertStore.toFixed(1), perThousand(ingestCommands)],
        ...Object.entries(exports).map(([name, { store, commands }]) => [
          `${name} export`,
          store.toFixed(1),
          name === 'ndjson' ? raw.readStore.toFixed(1) : '',
          perThousand(commands),
        ]),
      ],
    );
  } finally {
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
