/**
 * npm run bench:chart — what a chart costs, against the raw read of the same range.
 *
 * A dataset of BENCH_POINTS points (default 1,000,000; 2 number fields of
 * different units) spread evenly over a year. For the first 1%, 10% and all
 * of the year it times, in alternating rounds (BENCH_ROUNDS, default 3), the
 * chart (`chart.svg`, 960 px wide) and the baseline — the raw records read of
 * the same range as NDJSON, read to its end — and prints the medians, their
 * ratio and the SVG's size: a chart reads every point of the range as the
 * export does, and then sends a few tens of kilobytes instead of all of them.
 */
import { randomUUID } from 'node:crypto';
import { printTable, startBenchEnvironment } from './bench-environment';

const total = Number(process.env.BENCH_POINTS ?? 1_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const batch = 250_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const YEAR = 365 * 86_400_000;
const step = Math.floor(YEAR / total);

function csv(from: number, to: number): string {
  const rows: string[] = [];
  for (let i = from; i < to; i++)
    rows.push(
      `${T0 + i * step},${(Math.sin(i / 2000) * 100 + (i % 97 === 0 ? 80 : 0)).toFixed(3)},${(15 + Math.sin(i / 40_000) * 10).toFixed(2)}`,
    );
  return `timestamp,kw,temp\n${rows.join('\n')}\n`;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const bench = await startBenchEnvironment({}, 'benchchart');
  const authorization = `Bearer ${bench.adminToken}`;
  /** Milliseconds until the whole body has arrived, and its size. */
  const timed = async (path: string): Promise<{ ms: number; bytes: number }> => {
    const started = performance.now();
    const response = await fetch(`${bench.url}${path}`, { headers: { authorization } });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    const bytes = (await response.arrayBuffer()).byteLength;
    return { ms: performance.now() - started, bytes };
  };
  try {
    const fields = [
      { name: 'kw', type: 'number', unit: 'kW' },
      { name: 'temp', type: 'number', unit: '°C' },
    ];
    const created = await fetch(`${bench.url}/datasets`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `bench-${randomUUID()}`, frequency: `${Math.max(1, Math.round(step / 1000))}s`, fields }),
    });
    const { id } = (await created.json()) as { id: string };
    process.stderr.write(`[bench] uploading ${total} points over a year (one every ${step / 1000} s)...\n`);
    for (let i = 0; i < total; i += batch) {
      const upload = await fetch(`${bench.url}/datasets/${id}/records`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'text/csv' },
        body: csv(i, Math.min(total, i + batch)),
      });
      if (!upload.ok) throw new Error(`upload: ${upload.status} ${await upload.text()}`);
    }
    const rows: (string | number)[][] = [];
    for (const share of [0.01, 0.1, 1]) {
      const range = `from=${T0}&to=${T0 + Math.round(total * share) * step}`;
      const chart: number[] = [];
      const raw: number[] = [];
      let svgBytes = 0;
      let rawBytes = 0;
      await timed(`/datasets/${id}/chart.svg?${range}`); // warms the render worker and the store's cache alike
      for (let round = 0; round < rounds; round++) {
        process.stderr.write(`[bench] ${share * 100}% of the year, round ${round + 1}/${rounds}...\n`);
        const drawn = await timed(`/datasets/${id}/chart.svg?${range}&width=960`);
        const read = await timed(`/datasets/${id}/records?${range}&format=ndjson`);
        chart.push(drawn.ms);
        raw.push(read.ms);
        svgBytes = drawn.bytes;
        rawBytes = read.bytes;
      }
      rows.push([
        Math.round(total * share),
        median(raw).toFixed(0),
        median(chart).toFixed(0),
        (median(chart) / median(raw)).toFixed(2),
        `${(svgBytes / 1024).toFixed(0)} KB`,
        `${(rawBytes / 1024 / 1024).toFixed(1)} MB`,
      ]);
    }
    process.stdout.write(
      `\nchart.svg (960 px) against the raw NDJSON read of the same range, medians of ${rounds} alternating rounds (${new Date().toISOString()})\n\n`,
    );
    printTable(['points', 'raw read ms', 'chart ms', 'chart / raw', 'SVG', 'NDJSON'], rows);
  } finally {
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
