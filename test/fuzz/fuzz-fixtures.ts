/**
 * What the fuzzer finds in the database before it starts, so that the document's example requests
 * reach data the server holds: dataset number 1 (the example id of dataset routes) with a field,
 * points, version 1 and a tag, and dataset number 2 (the example id of DELETE /datasets/{id}).
 * Operations that consume something (restore, revoke, untag, delete a version) get fresh data from
 * hooks.py instead, through a token of its own: the fuzzer may revoke the one it runs with.
 */
export const FIXTURE_TAG = 'fuzz-fixture';

/** Makes the fixtures; returns the admin token hooks.py uses. */
export async function createFuzzFixtures(url: string, adminToken: string): Promise<string> {
  const call = async <T>(method: string, path: string, body: unknown, status: number): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== status) throw new Error(`fuzz fixtures: ${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const first = await call<{ id: string; seq: number }>(
    'POST',
    '/datasets',
    {
      name: 'fuzz fixture',
      // The fields the document's example `fields=kw,voltage` names.
      fields: [
        { name: 'kw', type: 'number' },
        { name: 'voltage', type: 'number' },
      ],
    },
    201,
  );
  const second = await call<{ seq: number }>('POST', '/datasets', { name: 'fuzz fixture to delete' }, 201);
  if (first.seq !== 1 || second.seq !== 2)
    throw new Error(`fuzz fixtures: got numbers ${first.seq} and ${second.seq}, not the examples 1 and 2`);
  const points = [
    { timestamp: '2026-11-27T00:00:00Z', kw: 1.5, voltage: 230 },
    { timestamp: '2026-11-27T12:00:00Z', kw: 2.5, voltage: 231 },
  ];
  await call('POST', `/datasets/${first.id}/records`, points, 200);
  const { version } = await call<{ version: number }>('POST', `/datasets/${first.id}/versions`, undefined, 201);
  await call('PUT', `/datasets/${first.id}/tags/${FIXTURE_TAG}`, { version }, 201);
  const me = await call<{ id: string }>('GET', '/users/me', undefined, 200);
  const hooks = await call<{ token: string }>('POST', `/users/${me.id}/tokens`, { name: 'fuzz hooks', scopes: ['admin'] }, 201);
  return hooks.token;
}
