import { allowedMethods, MethodTable, RouterLayer } from './method-not-allowed';

/** A stand-in for an express route layer; `:param` segments match any one segment. */
function route(path: string, ...methods: string[]): RouterLayer {
  const pattern = new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}/?$`, 'i');
  return { route: { path, methods: Object.fromEntries(methods.map((m) => [m, true])) }, match: (p) => pattern.test(p) };
}

const routes = [
  route('/users', 'post'),
  route('/users', 'get'),
  route('/users/bulk', 'post'),
  route('/users/:id', 'get'),
  route('/users/:id', 'patch'),
  route('/users/:id', 'delete'),
];

describe(allowedMethods.name, () => {
  it('joins the methods of every route on the path, with HEAD for GET and OPTIONS', () => {
    expect(allowedMethods(routes, '/users')).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
    expect(allowedMethods(routes, '/users/6650c0ffee0000000000a001')).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH']);
  });

  it('lets a concrete path win over a template that also matches it', () => {
    expect(allowedMethods(routes, '/users/bulk')).toEqual(['OPTIONS', 'POST']);
  });

  it('knows no methods for a path no route has', () => {
    expect(allowedMethods(routes, '/nothing')).toBeUndefined();
    expect(allowedMethods(routes, '/users/1/2')).toBeUndefined();
  });
});

describe(MethodTable.name, () => {
  it('matches each distinct path once, whatever the number of its methods, and answers as allowedMethods does', () => {
    const counted = routes.map((layer) => ({ ...layer, match: jest.fn(layer.match) }));
    const table = new MethodTable(counted);
    for (const path of ['/users', '/users/6650c0ffee0000000000a001', '/users/bulk', '/nothing']) {
      expect(table.allowed(path)).toEqual(allowedMethods(routes, path));
    }
    const calls = counted.reduce((sum, layer) => sum + layer.match.mock.calls.length, 0);
    expect(calls).toBe(4 * 3);
  });
});
