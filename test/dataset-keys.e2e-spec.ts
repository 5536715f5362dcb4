import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { OwnershipJanitor } from '../src/datasets/ownership-janitor';
import { deleteTopics } from './support/kafka';
import { withDatabase } from './support/mongo';
import { startTestApp, useTestApp } from './support/test-app';

interface SeqKey {
  _id: string;
  datasetId: mongo.ObjectId;
}

interface Note {
  _id: string;
  at: Date;
}

/**
 * The `_id`-keyed documents that make lookups by number constant-time on
 * FerretDB (see DatasetSeqKey), against the real store: written with every
 * dataset, removed before it goes, verified by readers, and backfilled at
 * boot for datasets written before them.
 */
describe('Dataset keys (e2e)', () => {
  const testApp = useTestApp();
  const uri = (): string => testApp.config.mongodb.uri;
  const keys = (): Promise<SeqKey[]> => withDatabase(uri(), (db) => db.collection<SeqKey>('dataset_seq_keys').find({}).toArray());
  const allKeyed = async (): Promise<boolean> =>
    (await withDatabase(uri(), (db) => db.collection<Note>('dataset_marks').findOne({ _id: 'all-keyed' }))) !== null;
  const keyOf = async (seq: number): Promise<SeqKey | undefined> => (await keys()).find(({ _id }) => _id === String(seq));

  /** A dataset written straight into the store, as another version or a crash left it (no key, no list entry, no event). */
  const insertStored = async (name: string, from: number, state: string, at: Date): Promise<{ _id: mongo.ObjectId; seq: number }> => {
    const stored = { _id: new mongo.ObjectId(), seq: from + Math.floor(Math.random() * 1000) };
    const ownerId = new mongo.ObjectId(testApp.adminId);
    const named = `${name} ${stored.seq}`;
    const doc = {
      ...stored,
      ownerId,
      name: named,
      nameKey: named,
      state,
      tags: [],
      fields: [],
      rev: 1,
      outbox: [],
      createdAt: at,
      updatedAt: at,
    };
    await withDatabase(uri(), (db) => db.collection('datasets').insertOne(doc));
    return stored;
  };

  const create = async (name = `keyed-${randomUUID().slice(0, 8)}`): Promise<{ id: string; seq: number }> => {
    const response = await testApp.api().post('/datasets').send({ name }).expect(201);
    return { id: response.body.id as string, seq: response.body.seq as number };
  };

  it('writes a key naming the dataset with every create, single and bulk, and none for an item the store refused', async () => {
    const taken = `single-${randomUUID().slice(0, 8)}`;
    const single = await create(taken);
    expect((await keyOf(single.seq))?.datasetId.toHexString()).toBe(single.id);

    const name = `bulk-${randomUUID().slice(0, 8)}`;
    const bulk = await testApp
      .api()
      .post('/datasets/bulk')
      .send([{ name }, { name: `${name}-2` }, { name: taken }])
      .expect(200);
    expect(bulk.body).toMatchObject({ created: 2, rejected: 1 });
    const made = (bulk.body.items as { item?: { id: string; seq: number } }[]).flatMap(({ item }) => (item ? [item] : []));
    for (const { id, seq } of made) expect((await keyOf(seq))?.datasetId.toHexString()).toBe(id);
    const stored = await withDatabase(uri(), (db) => db.collection('datasets').countDocuments({ state: 'active' }));
    expect(await keys()).toHaveLength(stored);

    const found = await testApp.api().get(`/datasets/${made[1].seq}`).expect(200);
    expect(found.body).toMatchObject({ id: made[1].id, seq: made[1].seq });
  });

  it('checks what a key names: a key naming another dataset or nothing finds no wrong dataset', async () => {
    const [a, b] = [await create(), await create()];
    await withDatabase(uri(), async (db) => {
      await db.collection<SeqKey>('dataset_seq_keys').updateOne({ _id: String(a.seq) }, { $set: { datasetId: new mongo.ObjectId(b.id) } });
      await db.collection<SeqKey>('dataset_seq_keys').insertOne({ _id: String(b.seq + 1000), datasetId: new mongo.ObjectId(b.id) });
    });
    expect((await testApp.api().get(`/datasets/${a.seq}`).expect(200)).body.id).toBe(a.id);
    await testApp
      .api()
      .get(`/datasets/${b.seq + 1000}`)
      .expect(404);
  });

  it('removes the key when the dataset is purged, and with a pending dataset a crash left behind', async () => {
    const purged = await create();
    await testApp.api().delete(`/datasets/${purged.id}?permanent=true`).expect(204);
    expect(await keyOf(purged.seq)).toBeUndefined();
    await testApp.api().get(`/datasets/${purged.seq}`).expect(404);

    // What a process killed between the pending insert and the activation leaves: a pending dataset and its key.
    const abandoned = await insertStored('abandoned', 900_000, 'pending', new Date(Date.now() - 10 * 60_000));
    await withDatabase(uri(), async (db) => {
      await db.collection<SeqKey>('dataset_seq_keys').insertOne({ _id: String(abandoned.seq), datasetId: abandoned._id });
      // Only an earlier version's create leaves a pending dataset: a database it ran on has no note that all is settled.
      await db.collection<{ _id: string }>('dataset_marks').deleteOne({ _id: 'all-noted' });
    });
    expect((await testApp.app.get(OwnershipJanitor).sweep()).pendingRemoved).toBe(1);
    expect(await keyOf(abandoned.seq)).toBeUndefined();
  });

  it('once all datasets are keyed, answers a number without a key as no dataset without reading the datasets, and boots without the backfill', async () => {
    expect(await allKeyed()).toBe(true);
    // A dataset without its key, which this version never leaves: only a read by number (a scan) would find it.
    const unkeyed = await insertStored('unkeyed', 800_000, 'active', new Date());
    await testApp.api().get(`/datasets/${unkeyed.seq}`).expect(404);
    await testApp.api().get(`/datasets/${unkeyed._id.toHexString()}`).expect(200);

    // A second instance boots on the same database: the note spares it the backfill (closed without dropping the database).
    const rebooted = await startTestApp({ MONGODB_URI: uri() });
    await rebooted.app.close();
    await deleteTopics(rebooted.config.kafka.brokers, [rebooted.config.kafka.topic]);
    expect(await keyOf(unkeyed.seq)).toBeUndefined();

    // Without the note (a database an older version wrote), the number is read the slow way.
    await withDatabase(uri(), (db) => db.collection<Note>('dataset_marks').deleteOne({ _id: 'all-keyed' }));
    expect((await testApp.api().get(`/datasets/${unkeyed.seq}`).expect(200)).body.id).toBe(unkeyed._id.toHexString());
    await withDatabase(uri(), async (db) => {
      await db.collection('datasets').deleteOne({ _id: unkeyed._id });
      await db.collection<Note>('dataset_marks').insertOne({ _id: 'all-keyed', at: new Date() });
    });
  });

  it('finds datasets of an older version, which have no keys, and gives them keys at the next boot', async () => {
    const old = [await create(), await create()];
    // An older version's database: keys written after their datasets (two lack theirs), no note that all are keyed.
    await withDatabase(uri(), async (db) => {
      await db.collection<SeqKey>('dataset_seq_keys').deleteMany({ _id: { $in: old.map(({ seq }) => String(seq)) } });
      await db.collection<Note>('dataset_marks').deleteOne({ _id: 'all-keyed' });
    });
    for (const { id, seq } of old) expect((await testApp.api().get(`/datasets/${seq}`).expect(200)).body.id).toBe(id);

    const keysBefore = (await keys()).length;
    // A second instance on the same database boots (its close() drops that database: it goes last).
    const rebooted = await startTestApp({ MONGODB_URI: uri() });
    try {
      for (const { id, seq } of old) expect((await keyOf(seq))?.datasetId.toHexString()).toBe(id);
      expect(await keys()).toHaveLength(keysBefore + old.length);
      // And the note that all are keyed, which the next boots read instead of every dataset.
      expect(await allKeyed()).toBe(true);
      expect((await rebooted.api().get(`/datasets/${old[0].seq}`).expect(200)).body.id).toBe(old[0].id);
    } finally {
      await rebooted.close();
    }
  });
});
