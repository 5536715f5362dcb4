/**
 * npm run bench:versions — what a version costs in storage, and how fast sealing is.
 *
 * A dataset of BENCH_POINTS points (default 1,000,000; 3 numeric fields, one
 * per second) is sealed as version 1; then 1% more points are added and it is
 * sealed again — once with the new points after the end (the usual append),
 * once (on a second dataset) spread evenly over the whole range (the worst
 * case: every bucket changes). After each step it sums the BSON size of the
 * dataset's bucket, series and version documents as stored, and prints what
 * each step added.
 */
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { withDatabase } from '../support/mongo';
import { printTable, startBenchEnvironment } from './bench-environment';

const total = Number(process.env.BENCH_POINTS ?? 1_000_000);
const batch = 250_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const value = (i: number, k: number): number => Math.round(Math.sin(i / (50 + k * 7)) * 1e6) / 1e3;

function csv(times: number[]): string {
  return `timestamp,a,b,c\n${times.map((t, i) => `${t},${value(i, 0)},${value(i, 1)},${value(i, 2)}`).join('\n')}\n`;
}

interface Storage {
  buckets: number;
  bucketBytes: number;
  seriesBytes: number;
  versionBytes: number;
}

async function main(): Promise<void> {
  const bench = await startBenchEnvironment({}, 'benchversions');
  const authorization = `Bearer ${bench.adminToken}`;
  const call = async (method: string, path: string, body?: string, type = 'application/json'): Promise<Record<string, unknown>> => {
    const response = await fetch(`${bench.url}${path}`, { method, headers: { 'content-type': type, authorization }, body });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const storageOf = (datasetId: string): Promise<Storage> =>
    withDatabase(bench.env.MONGODB_URI ?? '', async (db) => {
      const size = async (collection: string): Promise<{ count: number; bytes: number }> => {
        let [count, bytes] = [0, 0];
        for await (const doc of db.collection(collection).find({ datasetId })) {
          count++;
          bytes += mongo.BSON.calculateObjectSize(doc);
        }
        return { count, bytes };
      };
      const buckets = await size('record_buckets');
      return {
        buckets: buckets.count,
        bucketBytes: buckets.bytes,
        seriesBytes: (await size('record_series')).bytes,
        versionBytes: (await size('dataset_versions')).bytes,
      };
    });
  const upload = async (id: string, times: number[]): Promise<void> => {
    for (let i = 0; i < times.length; i += batch) await call('POST', `/datasets/${id}/records`, csv(times.slice(i, i + batch)), 'text/csv');
  };
  const seal = async (id: string): Promise<number> => {
    const started = Date.now();
    await call('POST', `/datasets/${id}/versions`, '{}');
    return (Date.now() - started) / 1000;
  };

  try {
    const fields = ['a', 'b', 'c'].map((name) => ({ name, type: 'number' }));
    const base = Array.from({ length: total }, (_, i) => T0 + i * 1000);
    const extra = Math.round(total / 100);
    const scenarios = {
      'appended after the end': Array.from({ length: extra }, (_, i) => T0 + (total + i) * 1000),
      'spread over the whole range': Array.from({ length: extra }, (_, i) => T0 + Math.floor((i * total) / extra) * 1000 + 500),
    };
    const rows: (string | number)[][] = [];
    for (const [scenario, added] of Object.entries(scenarios)) {
      const { id } = (await call('POST', '/datasets', JSON.stringify({ name: `bench-${randomUUID()}`, frequency: '1s', fields }))) as {
        id: string;
      };
      process.stderr.write(`[bench] ${scenario}: uploading ${total} points...\n`);
      await upload(id, base);
      const steps: [string, Storage, string][] = [['live points', await storageOf(id), '']];
      process.stderr.write(`[bench] ${scenario}: sealing version 1...\n`);
      const first = await seal(id);
      steps.push(['seal v1', await storageOf(id), `${first.toFixed(1)} s (${Math.round(total / first)} points/s)`]);
      process.stderr.write(`[bench] ${scenario}: adding ${extra} points...\n`);
      await upload(id, added);
      steps.push([`+${extra} points`, await storageOf(id), '']);
      process.stderr.write(`[bench] ${scenario}: sealing version 2...\n`);
      const second = await seal(id);
      steps.push(['seal v2', await storageOf(id), `${second.toFixed(1)} s`]);
      const live = steps[0][1].bucketBytes;
      steps.forEach(([step, storage, time], i) => {
        const sum = storage.bucketBytes + storage.seriesBytes + storage.versionBytes;
        const previous = i === 0 ? 0 : steps[i - 1][1].bucketBytes + steps[i - 1][1].seriesBytes + steps[i - 1][1].versionBytes;
        rows.push([
          i === 0 ? scenario : '',
          step,
          storage.buckets,
          storage.bucketBytes,
          storage.versionBytes,
          sum,
          i === 0 ? '' : `+${sum - previous}`,
          i === 0 ? '' : `${(((sum - previous) / live) * 100).toFixed(2)}%`,
          time,
        ]);
      });
    }
    process.stdout.write(
      `\n${total} points, 3 numeric fields, one per second; 1% more = ${Math.round(total / 100)} points (${new Date().toISOString()})\n\n`,
    );
    printTable(
      ['scenario', 'step', 'buckets', 'bucket bytes', 'version doc bytes', 'total bytes', 'added', 'of the live data', 'seal time'],
      rows,
    );
  } finally {
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
