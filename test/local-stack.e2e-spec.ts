import { statSync } from 'node:fs';
import * as path from 'node:path';
import { withDatabase } from './support/mongo';
import { PrivateStack, startPrivateStack } from './support/private-stack';
import { waitFor } from './support/wait';

const DOCUMENT_BYTES = 10_000;
const DOCUMENTS = 1_000;

/**
 * The local stack's FerretDB bounds its SQLite WAL (stack/ferretdb/wal.go):
 * written while readers never pause — the load under which SQLite's own
 * checkpoints cannot restart the WAL — ten times the limit ends in a WAL
 * that is truncated back under it. Without the truncation the file keeps its
 * high-water size.
 */
describe('the local stack (e2e)', () => {
  let privateStack: PrivateStack;

  beforeAll(async () => {
    privateStack = await startPrivateStack(['ferretdb'], { ferretDbWalLimitMb: 1 });
  });

  afterAll(async () => {
    await privateStack?.destroy();
  });

  const walBytes = (): number => {
    const { runDir, mongoDatabase } = privateStack.settings;
    try {
      return statSync(path.join(runDir, 'ferretdb', `${mongoDatabase}.sqlite-wal`)).size;
    } catch {
      return 0;
    }
  };

  it("truncates FerretDB's WAL once it passes STACK_FERRETDB_WAL_LIMIT_MB, under steady reads", async () => {
    await withDatabase(privateStack.env.MONGODB_URI, async (db) => {
      const collection = db.collection<{ _id: number; padding: string }>('wal_load');
      await collection.insertOne({ _id: -1, padding: '' });
      let writing = true;
      let largest = 0;
      const reads = Array.from({ length: 4 }, async () => {
        while (writing) await collection.find({ _id: { $lt: 10 } }).toArray();
      });
      try {
        for (let i = 0; i < DOCUMENTS; i += 50) {
          const batch = Array.from({ length: 50 }, (_, j) => ({ _id: i + j, padding: 'x'.repeat(DOCUMENT_BYTES) }));
          await collection.insertMany(batch);
          largest = Math.max(largest, walBytes());
        }
      } finally {
        writing = false;
        await Promise.all(reads);
      }
      expect(largest).toBeGreaterThan(1 << 20);
      await waitFor(async () => walBytes() <= 1 << 20 || undefined, {
        what: `the WAL (${walBytes()} bytes) to be truncated under 1 MB`,
        timeoutMs: 20_000,
        intervalMs: 250,
      });
      expect(await collection.countDocuments()).toBe(DOCUMENTS + 1);
    });
  });
});
