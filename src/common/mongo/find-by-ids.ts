import { Model, ProjectionType, Types } from 'mongoose';
import { chunks } from './bulk-chunks';

type Id = Types.ObjectId | string;

/**
 * Ids in one `$in` query at most (a relay batch, ~1,024, fits): a bounded command and answer on any store. Both MongoDB and the
 * local stack's FerretDB serve an `_id` `$in` from their `_id` index (stack/ferretdb-overlay.ts).
 */
export const IDS_PER_QUERY = 2_048;

/**
 * The whole stored document with this `_id`, read straight through the driver:
 * what `findById(id).lean()` returns, without Mongoose building, casting and
 * hooking a query (no read has middleware here) — a cost every hot GET by id
 * paid. `id` is already of the `_id`'s type: nothing casts it.
 */
export async function findOneById<T extends { _id: Id }>(model: Model<T>, id: T['_id']): Promise<T | null> {
  return (await model.collection.findOne({ _id: id } as never)) as T | null;
}

/** The documents of these ids that exist, in no particular order: one `$in` query per IDS_PER_QUERY ids, side by side. */
export function findByIds<T extends { _id: Id }>(model: Model<T>, ids: readonly Id[], projection?: ProjectionType<T>): Promise<T[]> {
  const queries = chunks(ids, IDS_PER_QUERY).map((chunk) =>
    model
      .find({ _id: { $in: chunk } }, projection)
      .lean<T[]>()
      .exec(),
  );
  return queries.length === 1 ? queries[0] : Promise.all(queries).then((found) => found.flat());
}

/** Documents by id (see findByIds), aligned with `ids`: null where none exists. */
export function findEachById<T extends { _id: Id }>(model: Model<T>, ids: readonly Id[]): Promise<(T | null)[]> {
  return findByIds(model, ids).then((found) => {
    const byId = new Map(found.map((doc) => [String(doc._id), doc]));
    return ids.map((id) => byId.get(String(id)) ?? null);
  });
}

/**
 * Deletes the documents of these ids: one `deleteMany` by `_id` `$in` per IDS_PER_QUERY ids — one write
 * on the store for all of them, where a bulk of single deletes is a read and a write each on FerretDB.
 */
export async function removeByIds<T extends { _id: Id }>(model: Model<T>, ids: readonly Id[]): Promise<void> {
  for (const chunk of chunks(ids, IDS_PER_QUERY)) await model.deleteMany({ _id: { $in: chunk } }).exec();
}
