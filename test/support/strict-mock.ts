/**
 * A stand-in for a dependency that only knows the methods a test gives it:
 * calling anything else fails the test, so specs state every interaction.
 */
export function strictMock<T extends object>(name: string, methods: Partial<Record<keyof T, unknown>>): jest.Mocked<T> {
  return new Proxy(methods as jest.Mocked<T>, {
    get(target, property) {
      if (property in target) return target[property as keyof typeof target];
      // Promise resolution and jest's own inspection probe these; they are not calls.
      if (property === 'then' || typeof property === 'symbol' || property === 'asymmetricMatch') return undefined;
      throw new Error(`unexpected use of ${name}.${String(property)}`);
    },
  });
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
