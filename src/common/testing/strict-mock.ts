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
 * A mock that fails on anything it was not given: reading a member not in
 * `implemented` throws `unexpected call: <name>` (so does calling it), so a
 * test sees every collaborator call the code makes. Nested objects (e.g. a
 * model's `collection`) are strict too.
 */
export function strictMock<T>(implemented: Partial<T> | Record<string, unknown>, name = 'mock'): T {
  const target = implemented as Record<PropertyKey, unknown>;
  return new Proxy(target, {
    get(object, key, receiver) {
      if (key in object) {
        const value: unknown = Reflect.get(object, key, receiver);
        return isPlainObject(value) ? strictMock(value, `${name}.${String(key)}`) : value;
      }
      if (typeof key === 'symbol' || PROBED.has(key)) return undefined;
      throw new Error(`unexpected call: ${name}.${key}`);
    },
  }) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
