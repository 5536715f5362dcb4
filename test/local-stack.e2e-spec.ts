import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Document, ObjectId } from 'mongodb';
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

  const truncations = (): number => {
    const log = readFileSync(path.join(privateStack.settings.runDir, 'logs', 'ferretdb.log'), 'utf8');
    return log.split('\n').filter((line) => line.includes('wal:') && line.includes('truncated')).length;
  };

  // A TRUNCATE holds the write lock while it waits for readers: FerretDB's updates (a read, then a
  // write) must wait for it — their transactions begin IMMEDIATE — rather than fail with SQLITE_BUSY.
  it('lets updates wait out a truncation that holds the write lock, none failing', async () => {
    await withDatabase(privateStack.env.MONGODB_URI, async (db) => {
      const collection = db.collection<{ _id: number; padding: string; round: number }>('wal_updates');
      await collection.insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, padding: '', round: 0 })));
      const before = truncations();
      let going = true;
      const failures: string[] = [];
      let updates = 0;
      // Whole-collection reads with short pauses: a truncation often waits for one, and then gets its turn.
      const reads = Array.from({ length: 2 }, async () => {
        while (going) {
          await collection.find({ round: { $gte: 0 } }).toArray();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      // Updates in bursts of a second: truncations during a burst hold the write lock while updates are
      // under way (an update's own read keeps a snapshot, so those end busy); the pauses let one through.
      const writers = Array.from({ length: 6 }, async (_, writer) => {
        for (let round = 1; going; round++) {
          if (Date.now() % 1_500 >= 1_000) await new Promise((resolve) => setTimeout(resolve, 1_500 - (Date.now() % 1_500)));
          const _id = (writer * 7 + round) % 40;
          await collection
            .updateOne({ _id }, { $set: { padding: 'u'.repeat(DOCUMENT_BYTES * 4), round } })
            .then(() => updates++)
            .catch((error: Error) => failures.push(error.message));
        }
      });
      try {
        await waitFor(async () => truncations() >= before + 3 || undefined, {
          what: 'three truncations while updates run',
          timeoutMs: 60_000,
          intervalMs: 250,
        });
      } finally {
        going = false;
        await Promise.all([...reads, ...writers]);
      }
      expect(failures).toEqual([]);
      expect(updates).toBeGreaterThan(100);
    });
  });

  // stack/ferretdb-overlay.ts: every `_id` equality or `$in` of strings and ObjectIds is looked up
  // through the id index, as MongoDB's `_id` index serves them; the rest of the filter still applies.
  it('looks documents up by `_id` through the index for `$in`, `$eq` and `_id` beside other keys, with the same answers', async () => {
    await withDatabase(privateStack.env.MONGODB_URI, async (db) => {
      const collection = db.collection<Document>('id_lookups');
      const oid = new ObjectId();
      await collection.insertMany([
        { _id: 'a', n: 1 },
        { _id: 'b', n: 2 },
        { _id: oid, n: 3 },
        { _id: 4, n: 4 },
      ] as Document[]);
      const pushedDown = async (filter: Document): Promise<boolean> => {
        const plan = await db.command({ explain: { find: 'id_lookups', filter } });
        return (plan as { filterPushdown?: boolean }).filterPushdown === true;
      };
      const ids = async (filter: Document): Promise<unknown[]> =>
        (await collection.find(filter).toArray()).map(({ n }) => n as number).sort();

      expect(await pushedDown({ _id: { $in: ['a', oid, 'zz'] } })).toBe(true);
      expect(await ids({ _id: { $in: ['a', oid, 'zz'] } })).toEqual([1, 3]);
      expect(await pushedDown({ _id: { $eq: 'b' } })).toBe(true);
      expect(await ids({ _id: { $eq: 'b' } })).toEqual([2]);
      expect(await pushedDown({ _id: 'a', n: 2 })).toBe(true);
      expect(await ids({ _id: 'a', n: 2 })).toEqual([]);
      expect(await ids({ _id: { $in: ['a', 'b'] }, n: { $gt: 1 } })).toEqual([2]);
      expect(await ids({ _id: { $in: [] } })).toEqual([]);
      // A number may equal one of another type: not pushed down, still found.
      expect(await pushedDown({ _id: { $in: [4, 'a'] } })).toBe(false);
      expect(await ids({ _id: { $in: [4, 'a'] } })).toEqual([1, 4]);

      const deleted = await collection.deleteMany({ _id: { $in: ['a', oid] } } as Document);
      expect(deleted.deletedCount).toBe(2);
      expect(await ids({})).toEqual([2, 4]);
    });
  });
});
