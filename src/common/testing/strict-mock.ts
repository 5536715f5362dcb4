/**
 * Members that test tooling probes on any object (jest's matchers and
 * printers, promise resolution, JSON): reading them must not count as a call.
 */
const PROBED = new Set<PropertyKey>([
  'then',
  'asymmetricMatch',
  'toJSON',
  '$$typeof',
  'nodeType',
  'constructor',
  'tagName',
  '_isMockFunction',
  'inspect',
]);

/**
 * The one strict mock of the specs: reading a member not in `implemented`
 * throws `unexpected call: <name>.<member>` (so does calling it), so a test
 * sees every collaborator call the code makes. Nested plain objects (e.g. a
 * model's `collection`) are strict too. Typed as jest mocks, so specs can
 * assert on the `jest.fn()`s they gave.
 */
export function strictMock<T>(name: string, implemented: Partial<T> | Record<string, unknown>): jest.Mocked<T> {
  return strictProxy(implemented, name) as jest.Mocked<T>;
}

function strictProxy(target: Record<PropertyKey, unknown>, name: string): unknown {
  return new Proxy(target, {
    get(object, key, receiver) {
      if (key in object) {
        const value: unknown = Reflect.get(object, key, receiver);
        return isPlainObject(value) ? strictProxy(value, `${name}.${String(key)}`) : value;
      }
      if (typeof key === 'symbol' || PROBED.has(key)) return undefined;
      throw new Error(`unexpected call: ${name}.${key}`);
    },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
