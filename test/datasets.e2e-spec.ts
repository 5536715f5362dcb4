import { unique } from './support/unique';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';
import { Api } from './support/auth';

describe('Datasets (e2e)', () => {
  const testApp = useTestApp();
  let api: Api;
  const createUser = async (): Promise<string> =>
    (
      await api
        .post('/users')
        .send({ name: unique('owner'), email: `${unique('owner')}@example.com` })
        .expect(201)
    ).body.id;

  beforeAll(async () => {
    api = testApp.api();
  });

  describe('POST /datasets', () => {
    it('registers a dataset with an id and a seq, and the owner lists it', async () => {
      const ownerId = await createUser();
      const body = {
        ownerId,
        name: 'household-power',
        description: 'Minute-level power',
        tags: ['energy', 'household'],
        frequency: '1m',
        fields: [
          { name: 'kw', type: 'number', unit: 'kW' },
          { name: 'on', type: 'boolean' },
        ],
        source: 's3://raw/power.csv',
      };
      const response = await api.post('/datasets').send(body).expect(201);
      expect(response.body).toEqual({
        ...body,
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        seq: expect.any(Number),
        visibility: 'private',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const owner = await api.get(`/users/${ownerId}`).expect(200);
      expect(owner.body).toMatchObject({ datasetIds: [response.body.id], datasetCount: 1 });
    });

    it('treats null for an optional field as not given, alone and in bulk', async () => {
      const ownerId = await createUser();
      const nulls = { description: null, tags: null, frequency: null, fields: null, source: null };
      const single = await api
        .post('/datasets')
        .send({ ownerId, name: 'nulls', ...nulls })
        .expect(201);
      expect(single.body).toEqual(expect.objectContaining({ name: 'nulls', tags: [], fields: [] }));
      for (const field of ['description', 'frequency', 'source']) expect(single.body).not.toHaveProperty(field);
      const bulk = await api.post('/datasets/bulk').send([
        { ownerId, name: 'bulk-nulls', ...nulls },
        { ownerId, name: 'bulk-plain' },
      ]);
      expect(bulk.body.items.map((item: { status: string }) => item.status)).toEqual(['created', 'created']);
    });

    it('refuses an unknown owner with 422 and stores nothing', async () => {
      const ownerId = '0123456789abcdef01234567';
      const response = await api.post('/datasets').send({ ownerId, name: 'orphan' }).expect(422);
      expect(response.body).toMatchObject({
        statusCode: 422,
        message: `ownerId ${ownerId} does not refer to an existing user`,
        details: [{ field: 'ownerId' }],
      });
      const stored = await api.get('/datasets').query({ ownerId }).expect(200);
      expect(stored.body.items).toEqual([]);
    });

    it('keeps names unique per owner, case-insensitively, but not across owners', async () => {
      const [first, second] = [await createUser(), await createUser()];
      await api.post('/datasets').send({ ownerId: first, name: 'Sales' }).expect(201);
      const duplicate = await api.post('/datasets').send({ ownerId: first, name: 'sales' }).expect(409);
      expect(duplicate.body).toMatchObject({ details: [{ field: 'name' }] });
      await api.post('/datasets').send({ ownerId: second, name: 'sales' }).expect(201);
    });

    it('validates frequency, tags and fields, naming the field', async () => {
      const ownerId = await createUser();
      const cases: [Record<string, unknown>, string][] = [
        [{ frequency: '5 minutes' }, 'frequency'],
        [{ frequency: '0m' }, 'frequency'],
        [{ tags: ['ok', 'not ok'] }, 'tags'],
        [{ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'tags'],
        [{ tags: ['dup', 'dup'] }, 'tags'],
        [{ fields: [{ name: 'x', type: 'date' }] }, 'fields.0.type'],
        [{ fields: [{ name: 'a.b', type: 'number' }] }, 'fields.0.name'],
        [{ fields: [{ name: 'timestamp', type: 'number' }] }, 'fields.0.name'],
        [
          {
            fields: [
              { name: 'x', type: 'number' },
              { name: 'x', type: 'string' },
            ],
          },
          'fields',
        ],
        [{ fields: [{ name: 'x', type: 'number', extra: 1 }] }, 'fields.0.extra'],
      ];
      for (const [override, field] of cases) {
        const response = await api
          .post('/datasets')
          .send({ ownerId, name: unique('bad'), ...override })
          .expect(400);
        expect(response.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
      const owner = await api.get(`/users/${ownerId}`).expect(200);
      expect(owner.body.datasetCount).toBe(0);
    });
  });

  describe('GET /datasets/:id', () => {
    it('finds a dataset by id and by seq', async () => {
      const ownerId = await createUser();
      const { body: dataset } = await api.post('/datasets').send({ ownerId, name: 'lookup' }).expect(201);
      expect((await api.get(`/datasets/${dataset.id}`).expect(200)).body).toEqual(dataset);
      expect((await api.get(`/datasets/${dataset.seq}`).expect(200)).body).toEqual(dataset);
      await api.get('/datasets/999999999').expect(404);
      const malformed = await api.get('/datasets/abc').expect(400);
      expect(malformed.body.details[0].field).toBe('id');
    });
  });

  describe('PATCH /datasets/:id', () => {
    it('changes fields and clears optional ones with null', async () => {
      const ownerId = await createUser();
      const { body: dataset } = await api
        .post('/datasets')
        .send({ ownerId, name: 'to-change', description: 'old', frequency: '1h', tags: ['a'] })
        .expect(201);
      const { body: changed } = await api
        .patch(`/datasets/${dataset.seq}`)
        .send({ name: 'changed', description: null, tags: ['b', 'c'], fields: [{ name: 'v', type: 'number' }] })
        .expect(200);
      expect(changed).toMatchObject({
        id: dataset.id,
        name: 'changed',
        tags: ['b', 'c'],
        frequency: '1h',
        fields: [{ name: 'v', type: 'number' }],
      });
      expect(changed).not.toHaveProperty('description');
    });

    it('changes nothing — no new updatedAt, no event — when a PATCH repeats the current values', async () => {
      const ownerId = await createUser();
      const body = {
        ownerId,
        name: 'steady',
        description: 'same',
        tags: ['a', 'b'],
        frequency: '1h',
        fields: [{ name: 'v', type: 'number', unit: 'kW' }],
      };
      const { body: dataset } = await api.post('/datasets').send(body).expect(201);
      const repeated = await api
        .patch(`/datasets/${dataset.id}`)
        .send({ ...body, source: null })
        .expect(200);
      expect(repeated.body).toEqual(dataset);
      await api.patch(`/datasets/${dataset.id}`).send({ description: 'new' }).expect(200);
      const types = await waitFor(
        async () => {
          const items = (await api.get('/events').query({ entityId: dataset.id }).expect(200)).body.items as { type: string }[];
          return items.length >= 2 ? items.map((event) => event.type) : undefined;
        },
        { what: 'the events of the dataset' },
      );
      expect(types).toEqual(['dataset.created', 'dataset.updated']);
    });

    it('transfers ownership: the mapping of both users follows', async () => {
      const [from, to] = [await createUser(), await createUser()];
      const { body: dataset } = await api.post('/datasets').send({ ownerId: from, name: 'moving' }).expect(201);
      const { body: moved } = await api.patch(`/datasets/${dataset.id}`).send({ ownerId: to, name: 'moved' }).expect(200);
      expect(moved).toMatchObject({ ownerId: to, name: 'moved' });
      expect((await api.get(`/users/${from}`).expect(200)).body.datasetIds).toEqual([]);
      expect((await api.get(`/users/${to}`).expect(200)).body.datasetIds).toEqual([dataset.id]);
    });

    it('refuses a transfer to an unknown user (422) or onto a name the new owner has (409), changing nothing', async () => {
      const [from, to] = [await createUser(), await createUser()];
      const { body: dataset } = await api.post('/datasets').send({ ownerId: from, name: 'clash' }).expect(201);
      await api.post('/datasets').send({ ownerId: to, name: 'CLASH' }).expect(201);

      await api.patch(`/datasets/${dataset.id}`).send({ ownerId: '0123456789abcdef01234567', name: 'renamed' }).expect(422);
      await api.patch(`/datasets/${dataset.id}`).send({ ownerId: to }).expect(409);
      const unchanged = await api.get(`/datasets/${dataset.id}`).expect(200);
      expect(unchanged.body).toEqual(dataset);
      // The aborted transfers left no mark behind: a valid one still goes through.
      await api.patch(`/datasets/${dataset.id}`).send({ ownerId: to, name: 'clash-2' }).expect(200);
    });
  });

  describe('DELETE /datasets/:id', () => {
    it('deletes by id or seq and removes it from the owner', async () => {
      const ownerId = await createUser();
      const { body: a } = await api.post('/datasets').send({ ownerId, name: 'a' }).expect(201);
      const { body: b } = await api.post('/datasets').send({ ownerId, name: 'b' }).expect(201);
      await api.delete(`/datasets/${a.id}`).expect(204);
      await api.delete(`/datasets/${b.seq}`).expect(204);
      await api.delete(`/datasets/${a.id}`).expect(404);
      expect((await api.get(`/users/${ownerId}`).expect(200)).body.datasetIds).toEqual([]);
    });
  });
});
