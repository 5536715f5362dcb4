import { unique } from './support/unique';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';
import { Api, authedApi, createUserWithToken } from './support/auth';
import { withDatabase } from './support/mongo';

describe('Users (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  const newUser = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: unique('user'),
    email: `${unique('mail')}@example.com`,
    ...overrides,
  });

  beforeAll(async () => {
    api = testApp.api();
  });

  describe('POST /users', () => {
    it('registers a user and answers 201 with its public fields only', async () => {
      const body = { name: 'Aaron', email: 'aaron.crud@example.com', organization: 'Lab', role: 'analyst', attributes: { team: 'energy' } };
      const response = await api.post('/users').send(body).expect(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        name: 'Aaron',
        email: 'aaron.crud@example.com',
        organization: 'Lab',
        role: 'analyst',
        attributes: { team: 'energy' },
        admin: false,
        datasetIds: [],
        datasetCount: 0,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('treats null for an optional field as not given', async () => {
      const response = await api
        .post('/users')
        .send(newUser({ organization: null, role: null, attributes: null }))
        .expect(201);
      expect(response.body).not.toHaveProperty('organization');
      expect(response.body).not.toHaveProperty('role');
      expect(response.body.attributes).toEqual({});
    });

    it('refuses an e-mail already registered in another case with 409', async () => {
      await api
        .post('/users')
        .send(newUser({ email: 'Case.Test@Example.com' }))
        .expect(201);
      const response = await api
        .post('/users')
        .send(newUser({ email: 'case.test@example.COM' }))
        .expect(409);
      expect(response.body).toMatchObject({ statusCode: 409, error: 'Conflict', details: [{ field: 'email' }] });
    });

    it('answers creates sent side by side each its own way: one 409 for the taken e-mail, 201 for the others', async () => {
      // Sent together, their inserts may go to the store as one (UsersRepository joins those of a turn).
      const email = `${unique('side')}@example.com`;
      const bodies = [newUser({ email }), newUser(), newUser({ email: email.toUpperCase() }), newUser()];
      const responses = await Promise.all(bodies.map((body) => api.post('/users').send(body)));
      expect(responses.map(({ status }) => status).sort()).toEqual([201, 201, 201, 409]);
      const taken = responses.find(({ status }) => status === 409);
      expect(taken?.body).toMatchObject({ statusCode: 409, error: 'Conflict', details: [{ field: 'email' }] });
      for (const { body } of responses.filter(({ status }) => status === 201)) {
        await api.get(`/users/${body.id as string}`).expect(200);
      }
    });
  });

  describe('GET, PATCH and DELETE /users/:id', () => {
    it('reads, changes and deletes a user', async () => {
      const { body: created } = await api
        .post('/users')
        .send(newUser({ organization: 'Old Org' }))
        .expect(201);

      const read = await api.get(`/users/${created.id}`).expect(200);
      expect(read.body).toEqual(created);

      const patched = await api
        .patch(`/users/${created.id}`)
        .send({ name: 'Renamed', organization: null, attributes: { k: 'v' } })
        .expect(200);
      expect(patched.body).toMatchObject({ id: created.id, name: 'Renamed', attributes: { k: 'v' } });
      expect(patched.body).not.toHaveProperty('organization');
      expect(new Date(patched.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.updatedAt).getTime());

      await api.delete(`/users/${created.id}`).expect(204);
      await api.get(`/users/${created.id}`).expect(404);
      await api.delete(`/users/${created.id}`).expect(404);
    });

    it('changes nothing — no new updatedAt, no event — when a PATCH repeats the current values', async () => {
      const { body: created } = await api
        .post('/users')
        .send(newUser({ role: 'analyst', attributes: { team: 'energy' } }))
        .expect(201);
      const repeated = await api
        .patch(`/users/${created.id}`)
        .send({ name: created.name, email: created.email, role: 'analyst', organization: null, attributes: { team: 'energy' } })
        .expect(200);
      expect(repeated.body).toEqual(created);
      await api.patch(`/users/${created.id}`).send({ role: 'lead' }).expect(200);
      const types = await waitFor(
        async () => {
          const items = (await api.get('/events').query({ entityId: created.id }).expect(200)).body.items as { type: string }[];
          return items.length >= 2 ? items.map((event) => event.type) : undefined;
        },
        { what: 'the events of the user' },
      );
      expect(types).toEqual(['user.created', 'user.updated']);
    });

    it('refuses to change the e-mail to one another user has (409)', async () => {
      const { body: first } = await api.post('/users').send(newUser()).expect(201);
      const { body: second } = await api.post('/users').send(newUser()).expect(201);
      await api.patch(`/users/${second.id}`).send({ email: first.email.toUpperCase() }).expect(409);
    });

    it('rejects null for a required field in a PATCH', async () => {
      const { body: user } = await api.post('/users').send(newUser()).expect(201);
      const response = await api.patch(`/users/${user.id}`).send({ name: null }).expect(400);
      expect(response.body.details[0].field).toBe('name');
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      await api.get('/users/0123456789abcdef01234567').expect(404);
      const malformed = await api.get('/users/not-an-id').expect(400);
      expect(malformed.body.details).toEqual([{ field: 'id', messages: ['id must be a 24-character hexadecimal id'] }]);
    });
  });

  describe('deleting a user who owns datasets', () => {
    it('answers 409 naming how many, and deletes them too with cascade=true', async () => {
      const { body: owner } = await api.post('/users').send(newUser()).expect(201);
      for (const name of ['a', 'b']) await api.post('/datasets').send({ ownerId: owner.id, name }).expect(201);

      const refused = await api.delete(`/users/${owner.id}`).expect(409);
      expect(refused.body).toMatchObject({
        statusCode: 409,
        details: [{ field: 'cascade', messages: [expect.stringContaining('owns 2 dataset(s)')] }],
      });
      expect(refused.body.message).toContain('owns 2 dataset(s)');
      await api.get(`/users/${owner.id}`).expect(200);

      await api.delete(`/users/${owner.id}?cascade=true`).expect(204);
      await api.get(`/users/${owner.id}`).expect(404);
      const left = await api.get(`/datasets?ownerId=${owner.id}`).expect(200);
      expect(left.body.items).toEqual([]);
    });

    it('rejects a cascade flag that is not a boolean', async () => {
      const { body: owner } = await api.post('/users').send(newUser()).expect(201);
      const response = await api.delete(`/users/${owner.id}?cascade=yes`).expect(400);
      expect(response.body.details).toEqual([{ field: 'cascade', messages: ['cascade must be true or false'] }]);
    });
  });

  describe('POST /users/bulk', () => {
    it('stores the valid items and reports each item in order, rejected ones leaving no trace', async () => {
      const existing = newUser();
      await api.post('/users').send(existing).expect(201);
      const good = newUser();
      const items = [
        good,
        { name: 'no email' },
        newUser({ email: String(good.email).toUpperCase() }),
        newUser({ email: existing.email }),
        newUser({ unexpected: true }),
        'not an object',
        newUser(),
      ];
      const response = await api.post('/users/bulk').send(items).expect(200);
      expect(response.body.created).toBe(2);
      expect(response.body.rejected).toBe(5);
      expect(response.body.items.map((item: { index: number; status: string }) => [item.index, item.status])).toEqual([
        [0, 'created'],
        [1, 'rejected'],
        [2, 'rejected'],
        [3, 'rejected'],
        [4, 'rejected'],
        [5, 'rejected'],
        [6, 'created'],
      ]);
      const errors = response.body.items.map((item: { error?: { statusCode: number; message: string } }) => item.error);
      expect(errors[1]).toMatchObject({ statusCode: 400, details: [{ field: 'email' }] });
      expect(errors[2]).toMatchObject({ statusCode: 409, message: 'same email as item 0 of this request' });
      expect(errors[3]).toMatchObject({ statusCode: 409, message: `email ${existing.email as string} is already registered` });
      expect(errors[4]).toMatchObject({ statusCode: 400, details: [{ field: 'unexpected' }] });
      expect(errors[5]).toMatchObject({ statusCode: 400, message: 'item must be a JSON object' });

      for (const item of [items[1], items[2], items[4]] as Record<string, unknown>[]) {
        if (typeof item.email !== 'string') continue;
        const found = await api.get('/users').query({ email: item.email }).expect(200);
        expect(found.body.items.map((u: { name: string }) => u.name)).not.toContain(item.name);
      }
      const stored = await api.get(`/users/${response.body.items[0].item.id}`).expect(200);
      expect(stored.body.email).toBe(good.email);
    });

    it('takes 1,000 users in one request and refuses 1,001', async () => {
      const batch = Array.from({ length: 1000 }, () => newUser());
      const accepted = await api.post('/users/bulk').send(batch).expect(200);
      expect(accepted.body).toMatchObject({ created: 1000, rejected: 0 });

      const refused = await api
        .post('/users/bulk')
        .send([...batch, newUser()])
        .expect(400);
      expect(refused.body).toMatchObject({ details: [{ field: 'body' }], message: 'body must hold at most 1000 items (got 1001)' });
    });

    it('refuses a body that is not an array', async () => {
      const response = await api.post('/users/bulk').send(newUser()).expect(400);
      expect(response.body.message).toBe('body must be a JSON array');
    });
  });

  describe('DELETE /users/:id with datasets in the trash', () => {
    const storedRecords = (id: string): Promise<number> =>
      withDatabase(testApp.config.mongodb.uri, async (db) => db.collection('record_buckets').countDocuments({ datasetId: id }));
    const eventTypes = async (id: string, count: number): Promise<string[]> => {
      const types = async (): Promise<string[]> =>
        (await api.get('/events').query({ entityId: id, limit: 50 }).expect(200)).body.items.map((e: { type: string }) => e.type);
      await waitFor(async () => (await types()).length >= count, { what: `${count} events of ${id} in the audit log` });
      return types();
    };

    it('is refused, saying so; a cascade purges them; purging them first frees the user', async () => {
      const made = await createUserWithToken(api);
      const holder = authedApi(testApp.url, made.token);
      const trashed = (
        await holder
          .post('/datasets')
          .send({ name: 'old', fields: [{ name: 'kw', type: 'number' }] })
          .expect(201)
      ).body.id;
      await holder.post(`/datasets/${trashed}/records`).set('Content-Type', 'text/csv').send('timestamp,kw\n1000,1\n').expect(200);
      await holder.delete(`/datasets/${trashed}`).expect(204);

      const refused = await api.delete(`/users/${made.id}`).expect(409);
      expect(refused.body.message).toContain('owns 1 dataset(s), 1 of them in the trash');
      expect(refused.body.message).toContain('DELETE /datasets/{id}?permanent=true');
      expect(refused.body.details).toEqual([{ field: 'cascade', messages: [refused.body.message] }]);

      await api.delete(`/users/${made.id}`).query({ cascade: 'true' }).expect(204);
      await api.get(`/users/${made.id}`).expect(404);
      expect(await storedRecords(trashed)).toBe(0);
      expect(await eventTypes(trashed, 4)).toEqual(expect.arrayContaining(['dataset.trashed', 'dataset.deleted']));

      const keeper = await createUserWithToken(api);
      const keeperApi = authedApi(testApp.url, keeper.token);
      const kept = (await keeperApi.post('/datasets').send({ name: 'kept' }).expect(201)).body.id;
      await keeperApi.delete(`/datasets/${kept}`).expect(204);
      await api.delete(`/users/${keeper.id}`).expect(409);
      await keeperApi.delete(`/datasets/${kept}`).query({ permanent: 'true' }).expect(204);
      await api.delete(`/users/${keeper.id}`).expect(204);
    });
  });
});
