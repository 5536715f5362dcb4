import { Model, ProjectionType, Types } from 'mongoose';
import { inParallel } from '../async/in-parallel';

type Id = Types.ObjectId | string;

/**
 * The whole stored document with this `_id`, read straight through the driver:
 * what `findById(id).lean()` returns, without Mongoose building, casting and
 * hooking a query (no read has middleware here) — a cost every hot GET by id
 * paid. `id` is already of the `_id`'s type: nothing casts it.
 */
export async function findOneById<T extends { _id: Id }>(model: Model<T>, id: T['_id']): Promise<T | null> {
  return (await model.collection.findOne({ _id: id } as never)) as T | null;
}

/**
 * Documents by id. One id is looked up with a bare `{ _id }` filter, the one
 * query FerretDB answers without scanning the collection (it scans for `$in`
 * and for `_id` combined with other conditions); real MongoDB uses its index
 * either way.
 */
export async function findByIds<T extends { _id: Id }>(model: Model<T>, ids: readonly Id[], projection?: ProjectionType<T>): Promise<T[]> {
  if (ids.length === 0) return [];
  if (ids.length === 1) {
    const found = await model.findById(ids[0], projection).lean<T>().exec();
    return found ? [found] : [];
  }
  return model
    .find({ _id: { $in: ids } }, projection)
    .lean<T[]>()
    .exec();
}

/**
 * Documents by id, each with its own bare `{ _id }` lookup (see findByIds),
 * `parallel` at a time over the connection pool: aligned with `ids`, null
 * where none exists.
 */
export async function findEachById<T extends { _id: Id }>(model: Model<T>, ids: readonly Id[], parallel: number): Promise<(T | null)[]> {
  const found: (T | null)[] = ids.map(() => null);
  await inParallel([...ids.keys()], parallel, async (i) => {
    found[i] = await model.findById(ids[i]).lean<T>().exec();
  });
  return found;
}
