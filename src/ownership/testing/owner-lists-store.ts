import { Model } from 'mongoose';
import { EntityLocks } from '../../common/locks/entity-locks';
import { findInVia, queryResult } from '../../common/testing/mongoose-mocks';
import { strictMock } from '../../common/testing/strict-mock';
import { OwnerIndex } from '../owner-index';
import { OwnerIndexRepository } from '../owner-index.repository';
import { OwnerIndexList } from '../schemas/owner-index.schema';

export type Stored = Record<string, unknown> & { _id: string };
type Update = { $set?: Record<string, unknown>; $unset?: Record<string, unknown>; $max?: Record<string, number> };

/** Applies `$set`, `$unset` and `$max` with dotted paths one level deep, as the store does. */
function apply(doc: Stored, update: Update): void {
  const at = (path: string): [Record<string, unknown>, string] => {
    const [head, tail] = path.split('.');
    if (tail === undefined) return [doc, head];
    doc[head] ??= {};
    return [doc[head] as Record<string, unknown>, tail];
  };
  for (const [path, value] of Object.entries(update.$set ?? {})) {
    const [parent, key] = at(path);
    parent[key] = value;
  }
  for (const path of Object.keys(update.$unset ?? {})) {
    const [parent, key] = at(path);
    delete parent[key];
  }
  for (const [path, value] of Object.entries(update.$max ?? {})) {
    const [parent, key] = at(path);
    if (parent[key] === undefined || (parent[key] as number) < value) parent[key] = value;
  }
}

/**
 * OwnerIndex over its real repository and an in-memory collection of lists; every list change must hold the list's lock.
 * `beforeWrite` runs before each document's write (to read the lists as they are between two writes); `written` lists the
 * `_id` of each document written, and `-<_id>` for each one a deleteMany was asked to delete.
 */
export function buildOwnerIndex(options: { failUpdates?: boolean; busy?: string[]; beforeWrite?: (id: string) => Promise<void> } = {}) {
  const docs = new Map<string, Stored>();
  /** The `_id` of each document written, in the order written. */
  const written: string[] = [];
  let locked = 0;
  let readsWithoutLock = 0;
  const updateOne = jest.fn((filter: { _id: string }, update: Update, { upsert = false }: { upsert?: boolean } = {}) => {
    if (locked === 0) throw new Error('a list written without its lock');
    if (options.failUpdates) return { exec: jest.fn(async () => Promise.reject(new Error('store down'))) };
    const chain = queryResult({ matchedCount: docs.has(filter._id) ? 1 : 0 });
    chain.exec.mockImplementation(async () => {
      await options.beforeWrite?.(filter._id);
      written.push(filter._id);
      if (upsert && !docs.has(filter._id)) docs.set(filter._id, { _id: filter._id });
      const doc = docs.get(filter._id);
      if (doc) apply(doc, structuredClone(update));
      return { matchedCount: doc ? 1 : 0 };
    });
    return chain;
  });
  // An unordered bulk write promises no order: this one applies its operations last first.
  const bulkWrite = jest.fn(
    async (operations: { updateOne: { filter: { _id: string }; update: Update; upsert?: boolean } }[], { ordered = true } = {}) => {
      for (const { updateOne: one } of ordered ? operations : [...operations].reverse())
        await updateOne(one.filter, one.update, { upsert: one.upsert }).exec();
    },
  );
  // A compaction's deletion of a generation's chunks (by `_id` $in), one write.
  const deleteMany = jest.fn((filter: { _id: { $in: string[] } }) => {
    if (locked === 0) throw new Error('a list deleted from without its lock');
    const chain = queryResult({ deletedCount: 0 });
    chain.exec.mockImplementation(async () => {
      await options.beforeWrite?.(`delete ${filter._id.$in.join(' ')}`);
      written.push(...filter._id.$in.map((id) => `-${id}`));
      const deleted = filter._id.$in.filter((id) => docs.delete(id)).length;
      return { deletedCount: deleted };
    });
    return chain;
  });
  const findById = jest.fn((id: string) => {
    if (locked === 0) readsWithoutLock++;
    return queryResult(docs.has(id) ? structuredClone(docs.get(id)) : null);
  });
  // The ownership janitor's read of every list.
  const find = findInVia(findById, () => queryResult([...docs.values()].map((doc) => structuredClone(doc))));
  // A plain read (not for an edit) goes straight through the driver (findOneById).
  const findOne = jest.fn(async (filter: { _id: string }) => {
    if (locked === 0) readsWithoutLock++;
    return docs.has(filter._id) ? structuredClone(docs.get(filter._id)) : null;
  });
  const model = strictMock<Model<OwnerIndexList>>('OwnerIndexList model', {
    findById,
    find,
    updateOne,
    bulkWrite,
    deleteMany,
    collection: {
      insertOne: jest.fn(async (doc: Stored) => {
        await options.beforeWrite?.(doc._id);
        written.push(doc._id);
        docs.set(doc._id, structuredClone(doc));
      }),
      findOne,
    },
  });
  const held = async <T>(work: () => Promise<T>): Promise<T> => {
    locked++;
    try {
      return await work();
    } finally {
      locked--;
    }
  };
  const locks = strictMock<EntityLocks>('EntityLocks', {
    withLock: jest.fn(async (_key: string, _options: unknown, work: () => Promise<unknown>) => held(work)),
    // A busy list's lock is left out of the batch, as acquireMany does.
    withLocks: jest.fn(async (keys: string[], _options: unknown, work: (locks: { key: string }[]) => Promise<unknown>) =>
      held(() => work(keys.filter((key) => !options.busy?.includes(key)).map((key) => ({ key })))),
    ),
  });
  return {
    index: new OwnerIndex(new OwnerIndexRepository(model), locks),
    docs,
    written,
    updateOne,
    locks,
    findById,
    find,
    findOne,
    bulkWrite,
    deleteMany,
    readsWithoutLock: () => readsWithoutLock,
    isLocked: () => locked > 0,
  };
}
