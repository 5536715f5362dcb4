import { Types } from 'mongoose';

type QueryChain = Record<'sort' | 'limit' | 'lean' | 'exec', jest.Mock>;

/** What a Mongoose query chain (`.find().sort().limit().lean().exec()`) resolves to. */
export function queryResult<T>(value: T): QueryChain {
  const chain: QueryChain = {
    sort: jest.fn(() => chain),
    limit: jest.fn(() => chain),
    lean: jest.fn(() => chain),
    exec: jest.fn(async () => value),
  };
  return chain;
}

/** The driver's `collection.findOne({ _id })` (what findOneById reads), answered by `lookup`: null where it finds nothing. */
export function driverFindById<T>(lookup: (id: Types.ObjectId) => T | null | undefined): jest.Mock {
  return jest.fn(async (filter: { _id: Types.ObjectId }) => lookup(filter._id) ?? null);
}

export function duplicateKeyError(): Error {
  return Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
}
