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
