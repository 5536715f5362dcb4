/**
 * npm run bench:events — end-to-end latency of the event pipeline under a
 * steady load: from the HTTP response of a write to the event's arrival in the
 * audit log (outbox → relay → Kafka → consumer → `events` collection).
 *
 * The load is paced, not flooded: BENCH_CONNECTIONS clients (default 10) each
 * send one write after another at BENCH_RATE writes per second in all
 * (default 50), for BENCH_SECONDS (default 20).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withDatabase } from '../support/mongo';
import { waitFor } from '../support/wait';
import { printTable, startBenchEnvironment } from './bench-environment';

const rate = Number(process.env.BENCH_RATE ?? 50);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const bench = await startBenchEnvironment();
  try {
    const respondedAt = new Map<string, number>();
    const writeLatencies: number[] = [];
    process.stderr.write(`[bench] POST /users at ${rate}/s from ${connections} clients for ${seconds} s...\n`);
    const end = Date.now() + seconds * 1000;
    const interval = (connections * 1000) / rate;
    await Promise.all(
      Array.from({ length: connections }, async (_, client) => {
        let next = Date.now() + (client * interval) / connections;
        while (next < end) {
          await sleep(Math.max(0, next - Date.now()));
          next += interval;
          const sentAt = Date.now();
          const response = await fetch(`${bench.url}/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminToken}` },
            body: JSON.stringify({ name: `user ${client}`, email: `${randomUUID()}@example.com` }),
          });
          if (response.status !== 201) throw new Error(`write failed: ${response.status}`);
          const { id } = (await response.json()) as { id: string };
          respondedAt.set(id, Date.now());
          writeLatencies.push(Date.now() - sentAt);
        }
      }),
    );
    writeLatencies.sort((a, b) => a - b);

    process.stderr.write(`[bench] waiting for ${respondedAt.size} events in the audit log...\n`);
    const received = await waitFor(
      () =>
        withDatabase(bench.env.MONGODB_URI ?? '', async (db) => {
          const rows = await db
            .collection<{ entityId: string; receivedAt: Date }>('events')
            .find({ type: 'user.created' }, { projection: { entityId: 1, receivedAt: 1 } })
            .toArray();
          return rows.length >= respondedAt.size ? rows : undefined;
        }),
      { what: 'every event in the audit log', timeoutMs: 120_000, intervalMs: 500 },
    );
    const latencies = received
      .filter((row) => respondedAt.has(row.entityId))
      .map((row) => row.receivedAt.getTime() - (respondedAt.get(row.entityId) ?? 0))
      .sort((a, b) => a - b);

    process.stdout.write(
      `\nHTTP response → audit log, ${latencies.length} writes at ${rate}/s from ${connections} clients for ${seconds} s (${new Date().toISOString()})\n\n`,
    );
    printTable(
      ['writes', 'write p50 ms', 'write p99 ms', 'e2e p50 ms', 'e2e p90 ms', 'e2e p99 ms', 'e2e max ms'],
      [
        [
          latencies.length,
          percentile(writeLatencies, 50),
          percentile(writeLatencies, 99),
          percentile(latencies, 50),
          percentile(latencies, 90),
          percentile(latencies, 99),
          latencies[latencies.length - 1],
        ],
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
