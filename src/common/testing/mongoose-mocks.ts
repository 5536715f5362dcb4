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

export function duplicateKeyError(): Error {
  return Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
}
