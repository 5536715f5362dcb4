/**
 * npm run bench:api — the service's CRUD routes against a bare baseline.
 *
 * Starts the built service and a bare node:http server doing the same store
 * work (bare-server.ts: the MongoDB driver, kafkajs, a token map) on the same
 * store and broker, each with a database and topic of its own, seeds both
 * (BENCH_USERS users, BENCH_DATASETS datasets over a tenth of them), then runs
 * each route for BENCH_SECONDS with autocannon, BENCH_ROUNDS rounds, service
 * and baseline alternating (who goes first alternates too), BENCH_CONNECTIONS
 * connections. Prints req/s (over all rounds), the median p99 of the rounds,
 * and the ratios service/baseline (targets: req/s ≥ 0.7×, p99 ≤ 2×). Each route
 * starts once the service's event pipeline is idle (no markers, no sent events waiting to be cleared).
 * METRICS_ENABLED and the OTEL_* variables are passed on to the service.
 */
import autocannon from 'autocannon';
import { printTable } from './bench-environment';
import { startCrudSides } from './crud-sides';

const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
  seconds: Number(process.env.BENCH_SECONDS ?? 5),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  users: Number(process.env.BENCH_USERS ?? 1000),
  datasets: Number(process.env.BENCH_DATASETS ?? 1000),
};

/** Every request is the bootstrap admin's (set once the service is up); the baseline's map knows the same token. */
let authorization = '';

async function load(what: string, options: autocannon.Options): Promise<autocannon.Result> {
  process.stderr.write(`[bench] ${what}: ${settings.connections} connections, ${settings.seconds} s...\n`);
  const result = await autocannon({
    connections: settings.connections,
    duration: settings.seconds,
    ...options,
    headers: { ...options.headers, authorization },
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${what}: ${failed} failed requests (non-2xx ${result.non2xx}, errors ${result.errors})`);
  return result;
}

async function main(): Promise<void> {
  // METRICS_ENABLED=false measures the service without its metrics, an OTLP endpoint with its traces (docs/operations.md, docs/benchmarks.md).
  const passed = Object.entries(process.env).filter(([name]) => name === 'METRICS_ENABLED' || name.startsWith('OTEL_'));
  const { sides, stop, ...started } = await startCrudSides(Object.fromEntries(passed), settings);
  authorization = started.authorization;
  try {
    const rows: (string | number)[][] = [];
    for (const [r, [route]] of sides[0].routes.entries()) {
      // The relay clears sent events from their outboxes once writes pause (docs/outbox.md): a read route
      // measured right after a write route would also measure that route's clearing.
      await sides[0].settled();
      const measured = sides.map(() => ({ requests: 0, seconds: 0, p99s: [] as number[] }));
      for (let round = 0; round < settings.rounds; round++) {
        for (const s of round % 2 === 0 ? [0, 1] : [1, 0]) {
          const { path, ...options } = sides[s].routes[r][1];
          const result = await load(`${route} ${sides[s].name} round ${round + 1}`, { url: `${sides[s].url}${path ?? ''}`, ...options });
          measured[s].requests += result.requests.total;
          measured[s].seconds += result.duration;
          measured[s].p99s.push(result.latency.p99);
        }
      }
      const [service, baseline] = measured.map(({ requests, seconds, p99s }) => ({ rate: requests / seconds, p99: median(p99s) }));
      rows.push([
        route,
        Math.round(service.rate),
        Math.round(baseline.rate),
        (service.rate / baseline.rate).toFixed(2),
        service.p99,
        baseline.p99,
        (service.p99 / Math.max(1, baseline.p99)).toFixed(2),
      ]);
    }

    process.stdout.write(
      `\nService vs bare baseline: ${settings.connections} connections, ${settings.rounds} alternating rounds of ` +
        `${settings.seconds} s per route, ${settings.users} users / ${settings.datasets} datasets seeded (${new Date().toISOString()})\n\n`,
    );
    printTable(['route', 'req/s', 'bare req/s', 'ratio (≥ 0.7)', 'p99 ms', 'bare p99 ms', 'p99 ratio (≤ 2)'], rows);
  } finally {
    await stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
