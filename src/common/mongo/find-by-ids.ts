import { Model, ProjectionType, Types } from 'mongoose';

type Id = Types.ObjectId | string;

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
