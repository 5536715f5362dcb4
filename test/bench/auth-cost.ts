/**
 * npm run bench:auth — what authentication costs a request, measured on one
 * service in one sitting: the same cheap request (a path that does not exist:
 * routing, middleware and a 404, no handler) without credentials, with a
 * registry API token (verified through the cache, the default), and with a
 * token on a second service that looks it up every time (AUTH_CACHE_SECONDS=0).
 * The runs alternate, BENCH_ROUNDS times, so drift on a busy machine hits all
 * three alike; the table prints each run and the medians' differences.
 */
import autocannon from 'autocannon';
import { BenchEnvironment, printTable, startBenchEnvironment } from './bench-environment';

const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
};

interface Run {
  variant: string;
  rps: number;
  p50: number;
  p99: number;
  /** Mean latency, µs: the measure the differences are taken of. */
  meanUs: number;
}

async function measure(variant: string, bench: BenchEnvironment, authorized: boolean): Promise<Run> {
  process.stderr.write(`[bench] ${variant}: ${settings.connections} connections, ${settings.seconds} s...\n`);
  const result = await autocannon({
    url: `${bench.url}/no-such-route`,
    connections: settings.connections,
    duration: settings.seconds,
    headers: authorized ? { authorization: `Bearer ${bench.adminToken}` } : {},
  });
  // Every answer must be the 404 of routing: a 401 or 5xx would mean something else was measured.
  if (result['4xx'] !== result.requests.total || result.errors > 0) {
    throw new Error(`${variant}: ${result.requests.total} requests, ${result['4xx']} 4xx, ${result.errors} errors`);
  }
  return { variant, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, meanUs: result.latency.mean * 1000 };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const cached = await startBenchEnvironment();
  const uncached = await startBenchEnvironment({ AUTH_CACHE_SECONDS: '0' });
  const runs: Run[] = [];
  try {
    for (let round = 0; round < settings.rounds; round++) {
      runs.push(await measure('anonymous', cached, false));
      runs.push(await measure('API token (cached)', cached, true));
      runs.push(await measure('API token (looked up)', uncached, true));
    }
  } finally {
    await cached.stop();
    await uncached.stop();
  }
  printTable(
    ['variant', 'req/s', 'p50 ms', 'p99 ms', 'mean µs'],
    runs.map((run) => [run.variant, Math.round(run.rps), run.p50, run.p99, Math.round(run.meanUs)]),
  );
  const base = median(runs.filter((run) => run.variant === 'anonymous').map((run) => run.meanUs));
  process.stdout.write('\nmedian mean latency over the anonymous request (the cost of authentication per request):\n');
  for (const variant of ['API token (cached)', 'API token (looked up)']) {
    const value = median(runs.filter((run) => run.variant === variant).map((run) => run.meanUs));
    process.stdout.write(`  ${variant}: +${Math.round(value - base)} µs (${((value / base - 1) * 100).toFixed(0)} %)\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
