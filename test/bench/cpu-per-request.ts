/**
 * npm run bench:cpu — the CPU time each CRUD route costs the service's process
 * per request, against the bare baseline's (bare-server.ts), under a fixed
 * request count: load-insensitive where req/s is not (the time is the process's
 * own, read from /proc/<pid>/stat, Linux only).
 *
 * Seeds BENCH_USERS users and BENCH_DATASETS datasets on each side, waits for
 * the seed's events, then per route: BENCH_WARMUP requests, BENCH_REQUESTS
 * measured (BENCH_CONNECTIONS at a time); and the CPU each process uses idle
 * over 5 s (the last row). Beside each side's own CPU, the local stack's FerretDB
 * and Kafka CPU over the same requests (the writes' events included: each side
 * is measured until its events are through), and what the ratio of the sums
 * bounds req/s to on a machine whose cores all these share. With BENCH_PROFILE_DIR set, a V8 CPU
 * profile of the service is taken over another BENCH_REQUESTS per route
 * (through the inspector: the service runs with --inspect on a free port) and
 * written there as <route>.cpuprofile (and one of the idle time as idle.cpuprofile).
 */
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../support/wait';
import { printTable } from './bench-environment';
import { cpuMicros, processCpuMs, stackPid } from './process-cpu';
import { startCrudSides } from './crud-sides';

const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
  warmup: Number(process.env.BENCH_WARMUP ?? 1000),
  requests: Number(process.env.BENCH_REQUESTS ?? 4000),
  users: Number(process.env.BENCH_USERS ?? 300),
  datasets: Number(process.env.BENCH_DATASETS ?? 300),
  profileDir: process.env.BENCH_PROFILE_DIR,
};

const IDLE_SECONDS = 5;

let authorization = '';

async function run(url: string, amount: number, options: Partial<autocannon.Options>): Promise<void> {
  const result = await autocannon({
    url,
    connections: settings.connections,
    amount,
    ...options,
    headers: { ...options.headers, authorization },
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${url}: ${failed} failed requests`);
}

/** A Chrome DevTools Protocol session on the service's inspector. */
async function inspector(
  output: () => string,
): Promise<{ send: (method: string, params?: object) => Promise<Record<string, unknown>>; close: () => void }> {
  let wsUrl = '';
  await waitFor(() => Boolean((wsUrl = /ws:\/\/\S+/.exec(output())?.[0] ?? '')), { what: 'the inspector URL', timeoutMs: 10_000 });
  const socket = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => ((socket.onopen = resolve), (socket.onerror = reject)));
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  socket.onmessage = (message) => {
    const data = JSON.parse(String(message.data)) as { id?: number; result?: Record<string, unknown> };
    if (data.id !== undefined) pending.get(data.id)?.(data.result ?? {});
  };
  let id = 0;
  const send = (method: string, params = {}): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

async function main(): Promise<void> {
  // LOG_LEVEL and METRICS_ENABLED are passed on: what a route costs without its logging or metrics.
  const passed = Object.entries(process.env).filter(([name]) => name === 'METRICS_ENABLED' || name === 'LOG_LEVEL');
  const { bench, sides, stop, ...started } = await startCrudSides(
    { ...Object.fromEntries(passed), ...(settings.profileDir ? { NODE_OPTIONS: '--inspect=127.0.0.1:0' } : {}) },
    settings,
  );
  authorization = started.authorization;
  try {
    const cdp = settings.profileDir ? await inspector(() => bench.app.output()) : undefined;
    if (settings.profileDir) mkdirSync(settings.profileDir, { recursive: true });
    // What each process burns with no request at all (the relay's and the consumer's polls): part of every route's figure.
    const idle = sides.map((side) => cpuMicros(side.pid));
    if (cdp) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    if (cdp)
      writeFileSync(path.join(settings.profileDir ?? '', 'idle.cpuprofile'), JSON.stringify((await cdp.send('Profiler.stop')).profile));
    const idleRows = sides.map((side, s) => Math.round((cpuMicros(side.pid) - idle[s]) / IDLE_SECONDS / 1000));
    const rows: (string | number)[][] = [];
    const stack = { store: await stackPid('ferretdb'), broker: await stackPid('kafka') };
    const stackMicros = (): number => (processCpuMs(stack.store) + processCpuMs(stack.broker)) * 1000;
    for (const [r, [route]] of sides[0].routes.entries()) {
      const micros: number[] = [];
      const stackUsed: number[] = [];
      for (const side of sides) {
        const { path: routePath, ...options } = side.routes[r][1] as autocannon.Options & { path?: string };
        const url = `${side.url}${routePath ?? ''}`;
        await run(url, settings.warmup, options);
        await side.settled();
        const [before, stackBefore] = [cpuMicros(side.pid), stackMicros()];
        await run(url, settings.requests, options);
        await side.settled();
        micros.push((cpuMicros(side.pid) - before) / settings.requests);
        stackUsed.push((stackMicros() - stackBefore) / settings.requests);
        if (cdp && side === sides[0]) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
          await cdp.send('Profiler.start');
          await run(url, settings.requests, options);
          const { profile } = await cdp.send('Profiler.stop');
          writeFileSync(path.join(settings.profileDir ?? '', `${route.replace(/\W+/g, '_')}.cpuprofile`), JSON.stringify(profile));
        }
      }
      const bound = (micros[1] + stackUsed[1]) / (micros[0] + stackUsed[0]);
      rows.push([
        route,
        Math.round(micros[0]),
        Math.round(micros[1]),
        (micros[0] / micros[1]).toFixed(2),
        Math.round(stackUsed[0]),
        Math.round(stackUsed[1]),
        bound.toFixed(2),
      ]);
    }
    process.stdout.write(
      `\nCPU µs per request, ${settings.requests} requests per route, ${settings.connections} connections (${new Date().toISOString()})\n\n`,
    );
    rows.push(['idle, ms of CPU per s', ...idleRows, '', '', '', '']);
    printTable(['route', 'service µs', 'bare µs', 'service/bare', 'store+broker µs (service)', '(bare)', 'req/s bound'], rows);
    process.stdout.write('\nreq/s bound: (bare + its store and broker) / (service + its store and broker), µs per request\n');
    cdp?.close();
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
