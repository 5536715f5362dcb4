import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { expectedFor, Operation, operationsOf, QUERY_OPERATIONS, Role, ROLES, routeKind, TRASH_SEEN_BY } from './support/access-matrix';
import { Api, authedApi, bearer, createUserWithToken } from './support/auth';
import { useTestApp } from './support/test-app';

/**
 * Deny by default, proven route by route: for every operation of the OpenAPI
 * document (read from the committed file, which another test holds equal to
 * what the app serves), every kind of caller gets what the policy table says.
 */
const document = JSON.parse(readFileSync(path.resolve(__dirname, '../docs/openapi.json'), 'utf8')) as Parameters<typeof operationsOf>[0];
const operations = [...operationsOf(document), ...QUERY_OPERATIONS];

interface Caller {
  id: string;
  token: string;
}

describe('Authorization matrix over the OpenAPI document (e2e)', () => {
  const testApp = useTestApp();
  let admin: Api;
  const callers = {} as Record<Exclude<Role, 'anonymous' | 'admin'>, Caller>;

  beforeAll(async () => {
    admin = testApp.api();
    const owner = await createUserWithToken(admin, { scopes: ['write'] });
    const readOnly = await admin
      .post(`/users/${owner.id}/tokens`)
      .send({ name: 'read-only', scopes: ['read'] })
      .expect(201);
    callers.owner = owner;
    callers.ownerReadOnly = { id: owner.id, token: readOnly.body.token };
    callers.other = await createUserWithToken(admin);
    callers.granteeRead = await createUserWithToken(admin);
    callers.granteeWrite = await createUserWithToken(admin);
  });

  it('finds a declared policy (x-access) on every operation', () => {
    expect(operations.filter((operation) => !operation.policy)).toEqual([]);
    expect(operations.length).toBeGreaterThan(20);
    // The query operations are of routes the document has, under the same policy.
    for (const { method, path: route, policy } of QUERY_OPERATIONS) {
      expect(operationsOf(document)).toContainEqual({ method, path: route, policy });
    }
  });

  /** The owner's private dataset with two points, shared read with granteeRead and write with granteeWrite. */
  async function sharedDataset(): Promise<string> {
    const owner = authedApi(testApp.url, callers.owner.token);
    const fields = [{ name: 'kw', type: 'number' }];
    const id = (
      await owner
        .post('/datasets')
        .send({ name: `m-${randomUUID()}`, fields })
        .expect(201)
    ).body.id as string;
    await owner.post(`/datasets/${id}/records`).set('Content-Type', 'text/csv').send('timestamp,kw\n1000,1\n2000,2\n').expect(200);
    await owner.put(`/datasets/${id}/access/${callers.granteeRead.id}`).send({ level: 'read' }).expect(200);
    await owner.put(`/datasets/${id}/access/${callers.granteeWrite.id}`).send({ level: 'write' }).expect(200);
    return id;
  }

  /** The owner's shared dataset, moved to the trash by its owner. */
  async function trashedDataset(): Promise<string> {
    const id = await sharedDataset();
    await authedApi(testApp.url, callers.owner.token).delete(`/datasets/${id}`).expect(204);
    return id;
  }

  /** The concrete request of an operation: path parameters made fresh where the call destroys them. */
  async function requestOf({ method, path: template, query }: Operation): Promise<{ url: string; body?: unknown; type?: string }> {
    const unique = randomUUID().slice(0, 8);
    const params: Record<string, string> = {};
    if (template === '/datasets/{id}/restore') params.id = await trashedDataset();
    else if (template.includes('/datasets/{id}')) params.id = await sharedDataset();
    else if (template === '/users/{id}' && method === 'DELETE') {
      params.id = (
        await admin
          .post('/users')
          .send({ name: `gone-${unique}`, email: `gone-${unique}@example.com` })
          .expect(201)
      ).body.id;
    } else if (template.includes('/users/{id}')) params.id = callers.owner.id;
    if (template.includes('{tokenId}')) {
      params.tokenId = (
        await admin
          .post(`/users/${callers.owner.id}/tokens`)
          .send({ name: 'doomed', scopes: ['read'] })
          .expect(201)
      ).body.id;
    }
    if (/\/(versions|tags)/.test(template)) {
      // Version 1, tagged `matrix`; a version deleted is an untagged version 2.
      const owner = authedApi(testApp.url, callers.owner.token);
      await owner.post(`/datasets/${params.id}/versions`).send({}).expect(201);
      await owner.put(`/datasets/${params.id}/tags/matrix`).send({ version: 1 }).expect(201);
      if (template.includes('{version}') && method === 'DELETE') await owner.post(`/datasets/${params.id}/versions`).send({}).expect(201);
      params.version = method === 'DELETE' ? '2' : '1';
      params.name = method === 'PUT' ? `new-${unique}` : 'matrix';
    }
    if (template === '/ui/{file}') params.file = 'viewer.js';
    if (template.includes('{userId}')) params.userId = method === 'DELETE' ? callers.granteeRead.id : callers.other.id;
    const url = template.replace(/\{(\w+)\}/g, (_, name: string) => params[name]) + (query ? `?${query}` : '');
    const user = { name: `m-${unique}`, email: `m-${unique}@example.com` };
    const bodies: Record<string, { body?: unknown; type?: string }> = {
      'POST /users': { body: user },
      'POST /users/bulk': { body: [user] },
      'PATCH /users/{id}': { body: { organization: `org-${unique}` } },
      'POST /users/{id}/tokens': { body: { name: 'matrix', scopes: ['read'] } },
      'POST /datasets': { body: { name: `m-${unique}` } },
      'POST /datasets/bulk': { body: [{ name: `m-${unique}` }] },
      'PATCH /datasets/{id}': { body: { description: `changed ${unique}` } },
      'POST /datasets/{id}/records': { body: 'timestamp,kw\n3000,3\n', type: 'text/csv' },
      'PUT /datasets/{id}/access/{userId}': { body: { level: 'read' } },
      'POST /datasets/{id}/versions': { body: { message: 'matrix' } },
      'PUT /datasets/{id}/tags/{name}': { body: { version: 1 } },
    };
    return { url, ...(bodies[`${method} ${template}`] ?? {}) };
  }

  function tokenOf(role: Role): string | undefined {
    if (role === 'anonymous') return undefined;
    return role === 'admin' ? testApp.adminToken : callers[role].token;
  }

  /** A live feed's status: the stream is left as soon as its headers are in. */
  function streamStatus(url: string, token: string | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.get(`${testApp.url}${url}`, { headers: token ? { authorization: bearer(token) } : {} }, (response) => {
        resolve(response.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)));
    });
  }

  describe.each(
    operations.map(
      (operation) => [`${operation.method} ${operation.path}${operation.query ? `?${operation.query}` : ''}`, operation] as const,
    ),
  )('%s', (_, operation) => {
    it.each([...ROLES])('answers %s as its policy says', async (role) => {
      const expected = expectedFor(routeKind(operation), role);
      const { url, body, type } = await requestOf(operation);
      const token = tokenOf(role);
      let status: number;
      let response: request.Response | undefined;
      if (operation.path === '/events/stream') {
        status = await streamStatus(url, token);
      } else {
        let call = request(testApp.url)[operation.method.toLowerCase() as 'get'](url);
        if (token) call = call.set('Authorization', bearer(token));
        if (type) call = call.set('Content-Type', type);
        response = await (body === undefined ? call : call.send(body as object));
        status = response.status;
      }
      const got = status >= 200 && status < 300 ? 'ok' : status;
      expect({ role, status: got, body: got === expected ? undefined : response?.body }).toEqual({
        role,
        status: expected,
        body: undefined,
      });
      if (status === 401) expect(response?.headers['www-authenticate'] ?? 'Bearer').toMatch(/^Bearer/);
    });
  });

  describe('GET /datasets?trashed=true', () => {
    it.each([...ROLES].filter((role) => role !== 'anonymous'))(
      'shows %s the owner’s trashed dataset only if it is their trash',
      async (role) => {
        const id = await trashedDataset();
        const listed = await request(testApp.url)
          .get('/datasets')
          .query({ trashed: 'true', limit: 200 })
          .set('Authorization', bearer(tokenOf(role) ?? ''))
          .expect(200);
        const ids = (listed.body.items as { id: string }[]).map((item) => item.id);
        expect({ role, sees: ids.includes(id) }).toEqual({ role, sees: TRASH_SEEN_BY.includes(role) });
      },
    );
  });
});
