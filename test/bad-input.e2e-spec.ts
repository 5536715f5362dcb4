import request from 'supertest';
import { countDocuments } from './support/mongo';
import { useTestApp } from './support/test-app';
import { Api } from './support/auth';

type Send = (api: Api, ids: { userId: string; datasetId: string }) => request.Test;

/**
 * Every family of bad input gets a 4xx in the one error shape — never a 500 —
 * and writes nothing.
 */
describe('Bad input (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  const ids = { userId: '', datasetId: '' };

  beforeAll(async () => {
    api = testApp.api();
    ids.userId = (await api.post('/users').send({ name: 'Owner', email: 'owner@example.com' }).expect(201)).body.id;
    ids.datasetId = (await api.post('/datasets').send({ ownerId: ids.userId, name: 'existing' }).expect(201)).body.id;
  });

  const json = (api: Api, method: 'post' | 'patch', path: string, raw: string): request.Test =>
    api[method](path).set('Content-Type', 'application/json').send(raw);

  // [family, request, expected status, field named in details ('' when the body has no fields)]
  const rows: [string, Send, number, string][] = [
    ['malformed JSON', (a) => json(a, 'post', '/users', '{"name": "x", '), 400, ''],
    ['malformed JSON in a bulk body', (a) => json(a, 'post', '/users/bulk', '[{"name": "x"}'), 400, ''],
    ['wrong type', (a) => a.post('/users').send({ name: 42, email: 'a@b.io' }), 400, 'name'],
    [
      'wrong type in a nested field',
      (a, { userId }) => a.post('/datasets').send({ ownerId: userId, name: 'n', fields: [{ name: 'x', type: 5 }] }),
      400,
      'fields.0.type',
    ],
    ['array where an object belongs', (a) => a.post('/users').send([{ name: 'x', email: 'a@b.io' }]), 400, ''],
    ['unknown field', (a) => a.post('/users').send({ name: 'x', email: 'a@b.io', isAdmin: true }), 400, 'isAdmin'],
    ['unknown field in PATCH', (a, { datasetId }) => a.patch(`/datasets/${datasetId}`).send({ seq: 1 }), 400, 'seq'],
    ['unknown query parameter', (a) => a.get('/users').query({ password: 'x' }), 400, 'password'],
    [
      'query parameter on a route that takes none',
      (a, { datasetId }) => a.delete(`/datasets/${datasetId}`).query({ cascade: true }),
      400,
      'cascade',
    ],
    ['query parameter on a read that takes none', (a, { userId }) => a.get(`/users/${userId}`).query({ expand: 'all' }), 400, 'expand'],
    ['invalid user id', (a) => a.get('/users/123'), 400, 'id'],
    ['invalid user id on DELETE', (a) => a.delete('/users/zzzzzzzzzzzzzzzzzzzzzzzz'), 400, 'id'],
    ['invalid dataset id', (a) => a.patch('/datasets/-1').send({ name: 'x' }), 400, 'id'],
    ['invalid ownerId', (a) => a.post('/datasets').send({ ownerId: 'bob', name: 'x' }), 400, 'ownerId'],
    ['limit too large', (a) => a.get('/datasets').query({ limit: 500 }), 400, 'limit'],
    ['limit zero', (a) => a.get('/users').query({ limit: 0 }), 400, 'limit'],
    ['garbage cursor', (a) => a.get('/datasets').query({ cursor: '%%%' }), 400, 'cursor'],
    [
      'oversized body',
      (a) => a.post('/users').send({ name: 'x', email: 'a@b.io', attributes: { big: 'x'.repeat(6 * 1024 * 1024) } }),
      413,
      '',
    ],
    ['oversized string', (a) => a.post('/users').send({ name: 'x'.repeat(201), email: 'a@b.io' }), 400, 'name'],
    ['operator object as a value', (a) => a.post('/users').send({ name: { $gt: '' }, email: 'a@b.io' }), 400, 'name'],
    ['operator object as an id', (a) => a.post('/datasets').send({ ownerId: { $ne: null }, name: 'x' }), 400, 'ownerId'],
    ['operator in the query string', (a) => a.get('/users').query('email[$ne]=x'), 400, 'email[$ne]'],
    ['operator as a top-level key', (a) => a.post('/users').send({ name: 'x', email: 'a@b.io', $where: 'sleep(1000)' }), 400, '$where'],
    ['operator as a map key', (a) => a.post('/users').send({ name: 'x', email: 'a@b.io', attributes: { $set: 'x' } }), 400, 'attributes'],
    ['dotted map key', (a) => a.post('/users').send({ name: 'x', email: 'a@b.io', attributes: { 'a.b': 'x' } }), 400, 'attributes'],
    ['nested map value', (a, { userId }) => a.patch(`/users/${userId}`).send({ attributes: { a: { b: 'c' } } }), 400, 'attributes'],
    ['__proto__ key', (a) => json(a, 'post', '/users', '{"name":"x","email":"a@b.io","__proto__":{"isAdmin":true}}'), 400, '__proto__'],
    [
      '__proto__ key inside a map',
      (a) => json(a, 'post', '/users', '{"name":"x","email":"a@b.io","attributes":{"__proto__":"x"}}'),
      400,
      '__proto__',
    ],
    ['null as the body', (a) => json(a, 'post', '/users', 'null'), 400, ''],
    ['a string as the body', (a, { userId }) => json(a, 'patch', `/users/${userId}`, '"x"'), 400, ''],
    ['non-JSON content type', (a) => a.post('/users').set('Content-Type', 'text/plain').send('name=x'), 415, ''],
    ['form-encoded body', (a) => a.post('/datasets/bulk').type('form').send('name=x'), 415, ''],
  ];

  // Objects rather than rows: jest hands a `done` callback to a test whose row is shorter than its parameters.
  const cases = rows.map(([family, send, status, field]) => ({ family, send, status, field }));

  it.each(cases)('$family → $status with a JSON error body', async ({ send, status, field }) => {
    const before = await countDocuments(testApp.config.mongodb.uri);
    const response = await send(api, ids);

    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual(expect.objectContaining({ statusCode: status, error: expect.any(String), message: expect.any(String) }));
    if (field) expect(response.body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await countDocuments(testApp.config.mongodb.uri)).toEqual(before);
  });

  it('says what to fix rather than repeating every rule a value breaks', async () => {
    const messageOf = async (test: request.Test): Promise<unknown> => (await test).body.message;
    expect(await messageOf(json(api, 'post', '/users', 'null'))).toBe('the JSON body must be an object (or an array, for bulk routes)');
    expect(await messageOf(json(api, 'post', '/users', '{"name": }'))).toMatch(/^Malformed JSON in request body: Unexpected token '}'/);
    expect(await messageOf(api.post('/users').set('Content-Type', 'text/plain').send('x'))).toBe(
      'the request body must be JSON, sent with Content-Type: application/json',
    );
    expect((await api.post('/users').send({ name: 'x' })).body.details).toEqual([{ field: 'email', messages: ['email is required'] }]);
    expect((await api.get('/users').query({ limit: 'many' })).body.details).toEqual([
      { field: 'limit', messages: ['limit must be an integer number'] },
    ]);
  });

  it('left the existing records untouched', async () => {
    expect((await api.get(`/users/${ids.userId}`).expect(200)).body).toMatchObject({ name: 'Owner', datasetIds: [ids.datasetId] });
    expect((await api.get(`/datasets/${ids.datasetId}`).expect(200)).body).toMatchObject({ name: 'existing' });
  });
});
