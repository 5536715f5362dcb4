import { Types } from 'mongoose';

type QueryChain = Record<'sort' | 'limit' | 'lean' | 'exec' | 'cursor', jest.Mock>;

/** What a Mongoose query chain (`.find().sort().limit().lean().exec()`, or `.cursor()` for its documents one by one) resolves to. */
export function queryResult<T>(value: T): QueryChain {
  const chain: QueryChain = {
    sort: jest.fn(() => chain),
    limit: jest.fn(() => chain),
    lean: jest.fn(() => chain),
    exec: jest.fn(async () => value),
    cursor: jest.fn(() => cursorOver(async () => value)),
  };
  return chain;
}

/** A query's cursor (`next` until null, then `close`): the documents `exec` resolves to, one by one. */
export function cursorOver(exec: () => Promise<unknown>): { next(): Promise<unknown>; close(): Promise<void> } {
  let docs: unknown[] | undefined;
  return {
    async next() {
      if (!docs) {
        const result = await exec();
        docs = Array.isArray(result) ? [...(result as unknown[])] : [result];
      }
      return docs.shift() ?? null;
    },
    close: async () => undefined,
  };
}

/** The driver's `collection.findOne({ _id })` (what findOneById reads), answered by `lookup`: null where it finds nothing. */
export function driverFindById<T>(lookup: (id: Types.ObjectId) => T | null | undefined): jest.Mock {
  return jest.fn(async (filter: { _id: Types.ObjectId }) => lookup(filter._id) ?? null);
}

export function duplicateKeyError(): Error {
  return Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
}

/** A spec's `findById`: a query chain whose `exec` resolves to the document or null. */
type ByIdQuery = (id: never) => unknown;

/**
 * A model's `find` for findByIds and findEachById (`{ _id: { $in } }`), answered by the spec's own
 * `findById` mock, one call per id: what a spec asserts of the documents read by id holds either way.
 * Any other filter goes to `otherwise`.
 */
export function findInVia(findById: ByIdQuery, otherwise?: (filter: never) => unknown): jest.Mock {
  return jest.fn((filter: { _id?: { $in?: unknown[] } }) => {
    const ids = filter._id?.$in;
    if (!ids) {
      if (!otherwise) throw new Error(`unexpected find: ${JSON.stringify(filter)}`);
      return otherwise(filter as never);
    }
    const chain: QueryChain = {
      sort: jest.fn(() => chain),
      limit: jest.fn(() => chain),
      lean: jest.fn(() => chain),
      exec: jest.fn(() =>
        Promise.all(ids.map((id) => (findById(id as never) as { exec: () => Promise<unknown> }).exec())).then((docs) =>
          docs.filter((doc) => doc !== null),
        ),
      ),
      cursor: jest.fn(() => cursorOver(chain.exec as () => Promise<unknown>)),
    };
    return chain;
  });
}
