import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withDatabase } from '../support/mongo';
import { waitFor } from '../support/wait';
import { BenchEnvironment } from './bench-environment';

/** The relay's leadership lock (outbox-relay.ts): while the benchmark holds it, no instance relays. */
const RELAY_LEASE = 'outbox-relay';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const progress = (line: string): boolean => process.stderr.write(`[bench] ${line}\n`);

/** Holds the relay's lease, as a live relay elsewhere would: the outbox fills and nothing is published. */
export async function pauseRelay(bench: BenchEnvironment): Promise<void> {
  await withDatabase(bench.env.MONGODB_URI ?? '', async (db) => {
    const lease = { token: 'bench', purpose: 'bench', expiresAt: new Date(Date.now() + 3_600_000) };
    await db.collection<{ _id: string }>('locks').replaceOne({ _id: RELAY_LEASE }, lease, { upsert: true });
  });
}

export async function resumeRelay(bench: BenchEnvironment): Promise<void> {
  await withDatabase(bench.env.MONGODB_URI ?? '', (db) => db.collection<{ _id: string }>('locks').deleteOne({ _id: RELAY_LEASE }));
}

/** Entries in the audit log (a count of the collection, cheap enough to poll). */
export function auditCount(bench: BenchEnvironment): Promise<number> {
  return withDatabase(bench.env.MONGODB_URI ?? '', (db) => db.collection('events').estimatedDocumentCount());
}

/** Waits until the audit log holds `total` entries, then returns when each entity's `user.created` arrived. */
export async function awaitAudit(bench: BenchEnvironment, total: number, timeoutMs: number): Promise<Map<string, number>> {
  let last = -1;
  await waitFor(
    async () => {
      const count = await auditCount(bench);
      if (count !== last) progress(`  audit log: ${count} / ${total}`);
      last = count;
      return count >= total;
    },
    { what: `${total} entries in the audit log`, timeoutMs, intervalMs: 1000 },
  );
  return withDatabase(bench.env.MONGODB_URI ?? '', async (db) => {
    const rows = await db
      .collection<{ entityId: string; receivedAt: Date }>('events')
      .find({ type: 'user.created' }, { projection: { entityId: 1, receivedAt: 1 } })
      .toArray();
    return new Map(rows.map((row) => [row.entityId, row.receivedAt.getTime()]));
  });
}

/** Registers `count` users with POST /users/bulk (1,000 a call), `parallel` calls at a time. */
export async function bulkUsers(bench: BenchEnvironment, count: number, parallel = 2): Promise<void> {
  let made = 0;
  const call = async (): Promise<void> => {
    while (made < count) {
      const size = Math.min(1000, count - made);
      made += size;
      const upTo = made;
      const items = Array.from({ length: size }, (_, i) => ({ name: `backlog ${i}`, email: `${randomUUID()}@example.com` }));
      const response = await fetch(`${bench.url}/users/bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminToken}` },
        body: JSON.stringify(items),
      });
      if (response.status !== 200) throw new Error(`bulk write failed: ${response.status} ${await response.text()}`);
      progress(`  backlog: users up to ${upTo} of ${count} written`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, call));
}

export interface LoadResult {
  offered: number;
  /** Writes acknowledged per second over the load's duration. */
  achieved: number;
  respondedAt: Map<string, number>;
  writeLatencies: number[];
  failures: number;
}

/**
 * `connections` clients each send POST /users one after another, paced to
 * `rate` writes/s in all for `seconds`; a client that falls behind sends its
 * next write at once (so `achieved` shows what the API sustains).
 */
export async function pacedWrites(bench: BenchEnvironment, rate: number, seconds: number, connections: number): Promise<LoadResult> {
  const respondedAt = new Map<string, number>();
  const writeLatencies: number[] = [];
  let failures = 0;
  const startedAt = Date.now();
  const end = startedAt + seconds * 1000;
  const interval = (connections * 1000) / rate;
  await Promise.all(
    Array.from({ length: connections }, async (_, client) => {
      let next = startedAt + (client * interval) / connections;
      while (next < end) {
        await sleep(Math.max(0, next - Date.now()));
        next += interval;
        const sentAt = Date.now();
        const response = await fetch(`${bench.url}/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${bench.adminToken}` },
          body: JSON.stringify({ name: `user ${client}`, email: `${randomUUID()}@example.com` }),
        });
        if (response.status !== 201) {
          failures++;
          continue;
        }
        const { id } = (await response.json()) as { id: string };
        respondedAt.set(id, Date.now());
        writeLatencies.push(Date.now() - sentAt);
      }
    }),
  );
  const elapsedS = (Date.now() - startedAt) / 1000;
  return {
    offered: rate,
    achieved: respondedAt.size / elapsedS,
    respondedAt,
    writeLatencies: writeLatencies.sort((a, b) => a - b),
    failures,
  };
}

/** HTTP response → audit log, sorted, for the writes of one load. */
export function e2eLatencies(load: LoadResult, received: Map<string, number>): number[] {
  const latencies: number[] = [];
  for (const [id, respondedAt] of load.respondedAt) {
    const at = received.get(id);
    if (at !== undefined) latencies.push(at - respondedAt);
  }
  return latencies.sort((a, b) => a - b);
}
