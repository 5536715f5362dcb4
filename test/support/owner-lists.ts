import { mongo } from 'mongoose';
import { decodeEntries, encodeEntries, ListedDatasets } from '../../src/ownership/owner-list-codec';
import { withDatabase } from './mongo';

/** A user's owner-index list as the tests look at it: the listed ids and each entry's state. */
export interface StoredList {
  _id: string;
  datasetIds: string[];
  states: Record<string, number>;
}

interface StoredDocument {
  _id: string;
  entries?: mongo.Binary;
  datasetIds?: string[];
  sortKeys?: Record<string, { seq: number; at: number }>;
  states?: Record<string, number>;
}

const COLLECTION = 'dataset_owner_index';

/** Every stored list, whichever form it has (this version's one value, or an older version's fields). */
export async function readOwnerLists(uri: string, userId?: string): Promise<StoredList[]> {
  return withDatabase(uri, async (db) => {
    const docs = await db
      .collection<StoredDocument>(COLLECTION)
      .find(userId ? { _id: userId } : {})
      .toArray();
    return docs.map((doc) => {
      const list = entriesOf(doc);
      const states = Object.fromEntries([...list].flatMap(([id, { state }]) => (state ? [[id, state]] : [])));
      return { _id: doc._id, datasetIds: [...list.keys()], states };
    });
  });
}

/** Edits a stored list in place, as a crash or a bug could leave it (this version's form). */
export async function editOwnerList(uri: string, userId: string, edit: (list: ListedDatasets) => void): Promise<void> {
  await withDatabase(uri, async (db) => {
    const lists = db.collection<StoredDocument>(COLLECTION);
    const list = entriesOf(await lists.findOne({ _id: userId }));
    edit(list);
    await lists.updateOne(
      { _id: userId },
      { $set: { entries: new mongo.Binary(encodeEntries(list)) }, $unset: { datasetIds: 1, sortKeys: 1, states: 1 } },
    );
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
    const list = entriesOf(await lists.findOne({ _id: userId }));
    const older: Omit<StoredDocument, '_id'> = { datasetIds: [...list.keys()] };
    if (form.withSortKeys) older.sortKeys = Object.fromEntries([...list].flatMap(([id, { key }]) => (key ? [[id, key]] : [])));
    if (form.withStates) older.states = Object.fromEntries([...list].flatMap(([id, { state }]) => (state ? [[id, state]] : [])));
    await lists.replaceOne({ _id: userId }, older);
  });
}

function entriesOf(doc: StoredDocument | null): ListedDatasets {
  if (doc?.entries) return decodeEntries(doc.entries.value());
  return new Map(
    (doc?.datasetIds ?? []).map((id) => [
      id,
      { ...(doc?.sortKeys?.[id] ? { key: doc.sortKeys[id] } : {}), ...(doc?.states?.[id] ? { state: doc.states[id] as never } : {}) },
    ]),
  );
}
