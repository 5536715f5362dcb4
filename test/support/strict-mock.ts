import { strictMock as strictProxy } from '../../src/common/testing/strict-mock';

/**
 * The project's strict mock (src/common/testing/strict-mock.ts), named first
 * and typed as jest mocks: calling anything not given fails the test, so
 * specs state every interaction.
 */
export function strictMock<T extends object>(name: string, methods: Partial<Record<keyof T, unknown>>): jest.Mocked<T> {
  return strictProxy<jest.Mocked<T>>(methods, name);
}

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

/** A Mongoose query chain that fails with `error`. */
export function queryError(error: unknown): QueryChain {
  const chain = queryResult(undefined);
  chain.exec.mockRejectedValue(error);
  return chain;
}

export function duplicateKeyError(): Error {
  return Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
}

/**
 * The seq keys' model of DatasetsRepository (see DatasetSeqKey): keys are
 * written, removed and found by id only; by default no number has a key (as
 * for datasets of older versions), so a lookup by seq reads the datasets.
 */
export function seqKeysModel(methods: Record<string, unknown> = {}): jest.Mocked<never> {
  return strictMock<never>('DatasetSeqKey model', {
    collection: { insertMany: jest.fn(async () => ({ acknowledged: true })) },
    deleteOne: jest.fn(() => queryResult({ deletedCount: 1 })),
    deleteMany: jest.fn(() => queryResult({ deletedCount: 1 })),
    findById: jest.fn(() => queryResult(null)),
    ...methods,
  });
}
