import { mongo } from 'mongoose';
import type { Api } from './auth';
import { chunkId, laterChunkIds, layoutOf, placeEntries, StoredChunk } from '../../src/ownership/owner-list-chunks';
import { encodeEntries, ListedDatasets } from '../../src/ownership/owner-list-codec';
import { withDatabase } from './mongo';

/** A user's owner-index list as the tests look at it: the listed ids and each entry's state. */
export interface StoredList {
  _id: string;
  datasetIds: string[];
  states: Record<string, number>;
}

type StoredDocument = StoredChunk & { entries?: mongo.Binary };

const COLLECTION = 'dataset_owner_index';

/** Every stored list, whichever form it has (this version's chunks, one value, or an older version's fields). */
export async function readOwnerLists(uri: string, userId?: string): Promise<StoredList[]> {
  return withDatabase(uri, async (db) => {
    const docs = await db.collection<StoredDocument>(COLLECTION).find({}).toArray();
    const byId = new Map(docs.map((doc) => [doc._id, doc]));
    const heads = docs.filter(({ _id }) => (userId ? _id === userId : !_id.includes(':')));
    return heads.map((doc) => {
      const list = layoutOf(
        doc,
        laterChunkIds(doc._id, doc).map((id) => byId.get(id) ?? null),
      ).list;
      const states = Object.fromEntries([...list].flatMap(([id, { state }]) => (state ? [[id, state]] : [])));
      return { _id: doc._id, datasetIds: [...list.keys()], states };
    });
  });
}

/** Edits a stored list in place, as a crash or a bug could leave it (this version's form: each chunk rewritten, the head last). */
export async function editOwnerList(uri: string, userId: string, edit: (list: ListedDatasets) => void): Promise<void> {
  await withDatabase(uri, async (db) => {
    const layout = await readLayout(db, userId);
    edit(layout.list);
    const placed = placeEntries(layout.list, layout);
    const lists = db.collection<StoredDocument>(COLLECTION);
    for (const [index, chunk] of [...placed.entries()].reverse()) {
      const entries = new mongo.Binary(encodeEntries(chunk));
      const head = index === 0 && placed.length > 1 ? { chunks: placed.length } : {};
      const older = index === 0 ? { $unset: { datasetIds: 1 as const, sortKeys: 1 as const, states: 1 as const } } : {};
      await lists.updateOne({ _id: chunkId(userId, index, layout.gen) }, { $set: { entries, ...head }, ...older }, { upsert: true });
    }
  });
}

/** Stores a list as an older version wrote it: ids, sort keys where `withSortKeys`, states where `withStates`. */
export async function storeAsOlderVersion(
  uri: string,
  userId: string,
  form: { withSortKeys: boolean; withStates: boolean },
): Promise<void> {
  await withDatabase(uri, async (db) => {
    const lists = db.collection<StoredDocument>(COLLECTION);
    const { list } = await readLayout(db, userId);
    const older: Omit<StoredDocument, '_id'> = { datasetIds: [...list.keys()] };
    if (form.withSortKeys) older.sortKeys = Object.fromEntries([...list].flatMap(([id, { key }]) => (key ? [[id, key]] : [])));
    if (form.withStates) older.states = Object.fromEntries([...list].flatMap(([id, { state }]) => (state ? [[id, state]] : [])));
    await lists.replaceOne({ _id: userId }, older);
  });
}

async function readLayout(db: mongo.Db, userId: string) {
  const lists = db.collection<StoredDocument>(COLLECTION);
  const head = await lists.findOne({ _id: userId });
  return layoutOf(head, await Promise.all(laterChunkIds(userId, head).map((_id) => lists.findOne({ _id }))));
}

/** The `_id` and entry count of each stored document of a user's list, head first (chunks its head does not count included). */
export async function ownerListDocuments(uri: string, userId: string): Promise<{ _id: string; entries: number; chunks?: number }[]> {
  return withDatabase(uri, async (db) => {
    const docs = await db.collection<StoredDocument>(COLLECTION).find({}).toArray();
    return docs
      .filter(({ _id }) => _id === userId || _id.startsWith(`${userId}:`))
      .sort((a, b) => a._id.localeCompare(b._id))
      .map((doc) => ({
        _id: doc._id,
        entries: layoutOf({ ...doc, chunks: 1 }, []).list.size,
        ...(doc.chunks ? { chunks: doc.chunks } : {}),
      }));
  });
}

/** Stores a list as one document, as the version before chunks wrote it (its chunks removed). */
export async function storeAsOneDocument(uri: string, userId: string): Promise<void> {
  await withDatabase(uri, async (db) => {
    const lists = db.collection<StoredDocument>(COLLECTION);
    const head = await lists.findOne({ _id: userId });
    const { list } = await readLayout(db, userId);
    await lists.replaceOne({ _id: userId }, { entries: new mongo.Binary(encodeEntries(list)) });
    await lists.deleteMany({ _id: { $in: laterChunkIds(userId, head) } });
  });
}

/**
 * Stores a user's list spread thin, `perChunk` entries a chunk, in a new generation (as a long history of creates and removals
 * leaves a list): its chunks, then the head naming them, then the old generation's chunks deleted. Not under the list's lock:
 * only while nothing else changes or reads that list.
 */
export async function spreadOwnerList(uri: string, userId: string, perChunk: number): Promise<void> {
  await withDatabase(uri, async (db) => {
    const lists = db.collection<StoredDocument>(COLLECTION);
    const head = await lists.findOne({ _id: userId });
    const { list } = await readLayout(db, userId);
    const entries = [...list];
    const chunks = Array.from(
      { length: Math.max(1, Math.ceil(entries.length / perChunk)) },
      (_, i) => new mongo.Binary(encodeEntries(new Map(entries.slice(i * perChunk, (i + 1) * perChunk)))),
    );
    const gen = (head?.gen ?? 0) + 1;
    for (const [index, chunk] of chunks.entries())
      if (index > 0) await lists.updateOne({ _id: chunkId(userId, index, gen) }, { $set: { entries: chunk } }, { upsert: true });
    await lists.updateOne({ _id: userId }, { $set: { entries: chunks[0], chunks: chunks.length, gen } }, { upsert: true });
    await lists.deleteMany({ _id: { $in: laterChunkIds(userId, head) } });
  });
}

/** Registers `count` datasets for `ownerId` in one bulk call (`<prefix> <i>` names); returns their ids in order. */
export async function bulkFor(api: Api, ownerId: string, count: number, prefix: string): Promise<string[]> {
  const { body } = await api
    .post('/datasets/bulk')
    .send(Array.from({ length: count }, (_, i) => ({ name: `${prefix} ${i}`, ownerId })))
    .expect(200);
  return body.items.map((outcome: { item: { id: string } }) => outcome.item.id);
}
