import request from 'supertest';
import { countDocuments } from './support/mongo';
import { useTestApp } from './support/test-app';
import { Api } from './support/auth';

/**
 * Issue 9: inputs an outside fuzz pass turned into 500s, silently accepted
 * or silently altered. Each gets a 400 naming the field and writes nothing.
 */
describe('Hardening against fuzzed input (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  let userId: string;
  let datasetId: string;

  beforeAll(async () => {
    api = testApp.api();
    userId = (await api.post('/users').send({ name: 'Owner', email: 'owner@example.com' }).expect(201)).body.id;
    datasetId = (await api.post('/datasets').send({ ownerId: userId, name: 'existing', description: 'two\nlines' }).expect(201)).body.id;
  });

  async function expectRefused(test: request.Test, field: string): Promise<request.Response> {
    const before = await countDocuments(testApp.config.mongodb.uri);
    const response = await test;
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect(await countDocuments(testApp.config.mongodb.uri)).toEqual(before);
    return response;
  }

  describe('control characters', () => {
    it.each([
      ['/users', 'name'],
      ['/datasets', 'name'],
      ['/datasets', 'q'],
    ])('GET %s?%s with a NUL byte is a 400, not a 500', async (path, field) => {
      await expectRefused(api.get(`${path}?${field}=a%00b`), field);
    });

    it('GET /users/:id/datasets?name=%00 is a 400', async () => {
      await expectRefused(api.get(`/users/${userId}/datasets?name=%00`), 'name');
    });

    it.each([
      ['a user name', () => api.post('/users').send({ name: 'a\u0000b', email: 'nul@example.com' }), 'name'],
      [
        'an organization',
        () => api.post('/users').send({ name: 'a', email: 'esc@example.com', organization: 'x\u001b[31m' }),
        'organization',
      ],
      [
        'an attribute value',
        () => api.post('/users').send({ name: 'a', email: 'attr@example.com', attributes: { team: 'a\u0000' } }),
        'attributes',
      ],
      ['a dataset name', () => api.post('/datasets').send({ ownerId: userId, name: 'n\u0000' }), 'name'],
      ['a description', () => api.post('/datasets').send({ ownerId: userId, name: 'd', description: 'x\u0000y' }), 'description'],
      [
        'a field unit',
        () => api.post('/datasets').send({ ownerId: userId, name: 'u', fields: [{ name: 'kw', type: 'number', unit: 'k\u0007W' }] }),
        'fields.0.unit',
      ],
      ['a renamed dataset', () => api.patch(`/datasets/${datasetId}`).send({ name: 'line\nbreak' }), 'name'],
    ])('%s with a control character is a 400 naming the field', async (_case, send, field) => {
      const response = await expectRefused(send(), field);
      expect(response.body.message).toMatch(/control characters/);
    });

    it('keeps tabs and line breaks in a description, exactly as sent', async () => {
      expect((await api.get(`/datasets/${datasetId}`).expect(200)).body.description).toBe('two\nlines');
    });

    it('refuses a name with white space at either end instead of trimming it silently', async () => {
      await expectRefused(api.post('/users').send({ name: ' Aaron ', email: 'space@example.com' }), 'name');
    });
  });

  describe('keys named like Object.prototype members', () => {
    it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype'])(
      'POST /users with "%s" is a 400 naming it',
      async (key) => {
        await expectRefused(api.post('/users').send({ name: 'x', email: `${key.toLowerCase()}@example.com`, [key]: 1 }), key);
      },
    );

    it('refuses them in query strings and nested bodies too', async () => {
      await expectRefused(api.get('/users?constructor=1'), 'constructor');
      await expectRefused(api.get('/datasets?toString=1'), 'toString');
      await expectRefused(
        api.post('/datasets').send({ ownerId: userId, name: 'nested', fields: [{ name: 'kw', type: 'number', valueOf: 1 }] }),
        'fields.0.valueOf',
      );
    });

    it('rejects such an item of a bulk request', async () => {
      const { body } = await api
        .post('/users/bulk')
        .send([{ name: 'x', email: 'bulk@example.com', constructor: 1 }])
        .expect(200);
      expect(body).toMatchObject({
        created: 0,
        rejected: 1,
        items: [{ status: 'rejected', error: { statusCode: 400, details: [{ field: 'constructor' }] } }],
      });
    });
  });

  describe('one rule for null, empty PATCH bodies, decimal integers', () => {
    it('null is "no value" on create and on update alike', async () => {
      const created = await api.post('/users').send({ name: 'Null', email: 'null@example.com', attributes: null, role: null }).expect(201);
      expect(created.body.attributes).toEqual({});
      expect(created.body).not.toHaveProperty('role');
      await api
        .patch(`/users/${created.body.id}`)
        .send({ attributes: { team: 'a' }, role: 'r' })
        .expect(200);
      const cleared = await api.patch(`/users/${created.body.id}`).send({ attributes: null, role: null }).expect(200);
      expect(cleared.body.attributes).toEqual({});
      expect(cleared.body).not.toHaveProperty('role');
      const dataset = await api
        .patch(`/datasets/${datasetId}`)
        .send({ tags: ['a'] })
        .expect(200);
      expect(dataset.body.tags).toEqual(['a']);
      expect((await api.patch(`/datasets/${datasetId}`).send({ tags: null }).expect(200)).body.tags).toEqual([]);
    });

    it('null for a required field is still refused', async () => {
      await expectRefused(api.patch(`/users/${userId}`).send({ name: null }), 'name');
    });

    it.each([
      ['no body', (path: string) => api.patch(path)],
      ['an empty object', (path: string) => api.patch(path).send({})],
    ])('a PATCH with %s is a 400', async (_case, send) => {
      await expectRefused(send(`/users/${userId}`), 'body');
      await expectRefused(send(`/datasets/${datasetId}`), 'body');
    });

    it.each(['0x10', '1e1', '+16', ' 16', '16.0'])('limit=%s is a 400: integers in query strings are decimal', async (limit) => {
      await expectRefused(api.get('/users').query(`limit=${encodeURIComponent(limit)}`), 'limit');
    });

    it('limit=16 works', async () => {
      await api.get('/users?limit=16').expect(200);
    });
  });

  describe('the OpenAPI document states what the validators accept', () => {
    it('has string ids with their pattern, strict bodies and JSON error responses', async () => {
      const { body: document } = await api.get('/docs-json').expect(200);
      expect(document.components.schemas.ObjectId).toBeUndefined();
      const userParam = document.paths['/users/{id}'].get.parameters.find((parameter: { name: string }) => parameter.name === 'id');
      expect(userParam.schema).toEqual(expect.objectContaining({ type: 'string', pattern: '^[0-9a-fA-F]{24}$' }));
      expect(document.components.schemas.CreateUserDto.additionalProperties).toBe(false);
      expect(document.components.schemas.UpdateUserDto.minProperties).toBe(1);
      expect(document.paths['/users/bulk'].post.requestBody.content['application/json'].schema.minItems).toBe(1);
      expect(Object.keys(document.paths['/events/stream'].get.responses['400'].content)).toEqual(['application/json']);
    });
  });
});
