import { unique } from './support/unique';
import { useTestApp } from './support/test-app';
import { Api } from './support/auth';

describe('Users: search and listing (e2e)', () => {
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

  describe('GET /users (search)', () => {
    const org = unique('org');
    const names = ['delta', 'Alpha', 'charlie', 'bravo', 'alphabet'];
    const ids: string[] = [];

    beforeAll(async () => {
      for (const [i, name] of names.entries()) {
        const { body } = await api
          .post('/users')
          .send(newUser({ name, organization: org, role: i % 2 === 0 ? 'even' : 'odd' }))
          .expect(201);
        ids.push(body.id);
      }
    });

    const search = async (query: Record<string, string | number>): Promise<{ name: string }[]> =>
      (
        await api
          .get('/users')
          .query({ organization: org, ...query })
          .expect(200)
      ).body.items;

    it('filters by case-insensitive name substring, role and organization together', async () => {
      expect((await search({ name: 'ALPHA' })).map((u) => u.name).sort()).toEqual(['Alpha', 'alphabet']);
      expect((await search({ role: 'even' })).map((u) => u.name).sort()).toEqual(['alphabet', 'charlie', 'delta']);
      expect((await search({ name: 'alpha', role: 'odd' })).map((u) => u.name)).toEqual(['Alpha']);
      expect(await search({ name: 'alpha', role: 'nobody' })).toEqual([]);
    });

    it('matches e-mail case-insensitively and exactly', async () => {
      const { body: user } = await api.get(`/users/${ids[0]}`).expect(200);
      expect((await search({ email: user.email.toUpperCase() })).map((u) => u.name)).toEqual(['delta']);
      expect(await search({ email: user.email.slice(1) })).toEqual([]);
    });

    it('sorts by name case-insensitively in both directions', async () => {
      expect((await search({ sort: 'name' })).map((u) => u.name)).toEqual(['Alpha', 'alphabet', 'bravo', 'charlie', 'delta']);
      expect((await search({ sort: 'name', order: 'desc' })).map((u) => u.name)).toEqual([
        'delta',
        'charlie',
        'bravo',
        'alphabet',
        'Alpha',
      ]);
    });

    it('filters by creation time: from inclusive, to exclusive', async () => {
      const created = await Promise.all(ids.map(async (id) => (await api.get(`/users/${id}`).expect(200)).body));
      const pivot = created[2].createdAt as string;
      const at = (user: { createdAt: string }): number => Date.parse(user.createdAt);
      const fromPivot = await search({ createdFrom: pivot });
      expect(fromPivot.map((u) => u.name)).toEqual(created.filter((u) => at(u) >= Date.parse(pivot)).map((u) => u.name));
      expect(fromPivot.map((u) => u.name)).toContain(names[2]);
      const beforePivot = await search({ createdTo: pivot });
      expect(beforePivot.map((u) => u.name)).toEqual(created.filter((u) => at(u) < Date.parse(pivot)).map((u) => u.name));
      expect(beforePivot.map((u) => u.name)).not.toContain(names[2]);
      await api.get('/users').query({ createdFrom: '2026-02-01T00:00:00Z', createdTo: '2026-01-01T00:00:00Z' }).expect(400);
    });

    it('pages with an opaque cursor, stable while users are being added', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: Record<string, string | number> = { organization: org, sort: 'name', limit: 2 };
        if (cursor) query.cursor = cursor;
        const { body } = await api.get('/users').query(query).expect(200);
        seen.push(...body.items.map((u: { name: string }) => u.name));
        cursor = body.nextCursor;
        // Users inserted before and after the cursor position while paging.
        if (pages++ === 0) {
          await api
            .post('/users')
            .send(newUser({ name: 'aaa-early', organization: org }))
            .expect(201);
          await api
            .post('/users')
            .send(newUser({ name: 'zzz-late', organization: org }))
            .expect(201);
        }
      } while (cursor);
      expect(seen).toEqual(['Alpha', 'alphabet', 'bravo', 'charlie', 'delta', 'zzz-late']);
    });

    it('rejects a forged cursor, one from another sort, and out-of-range limits', async () => {
      const first = await api.get('/users').query({ organization: org, sort: 'name', limit: 1 }).expect(200);
      const other = await api.get('/users').query({ organization: org, sort: 'createdAt', cursor: first.body.nextCursor }).expect(400);
      expect(other.body.details[0].field).toBe('cursor');
      await api.get('/users').query({ cursor: 'bm90LWEtY3Vyc29y' }).expect(400);
      for (const limit of [0, 201, -1, 'ten']) {
        const response = await api.get('/users').query({ limit }).expect(400);
        expect(response.body.details[0].field).toBe('limit');
      }
      const unknownSort = await api.get('/users').query({ sort: 'email' }).expect(400);
      expect(unknownSort.body.details[0].field).toBe('sort');
    });
  });

  describe('GET /users/:id/datasets', () => {
    it("pages through the user's datasets and 404s for an unknown user", async () => {
      const { body: owner } = await api.post('/users').send(newUser()).expect(201);
      for (const name of ['one', 'two', 'three']) await api.post('/datasets').send({ ownerId: owner.id, name }).expect(201);
      const first = await api.get(`/users/${owner.id}/datasets`).query({ limit: 2, sort: 'seq' }).expect(200);
      expect(first.body.items.map((d: { name: string }) => d.name)).toEqual(['one', 'two']);
      const second = await api
        .get(`/users/${owner.id}/datasets`)
        .query({ limit: 2, sort: 'seq', cursor: first.body.nextCursor })
        .expect(200);
      expect(second.body).toMatchObject({ items: [{ name: 'three' }], nextCursor: null });
      await api.get('/users/0123456789abcdef01234567/datasets').expect(404);
      await api.get(`/users/${owner.id}/datasets`).query({ ownerId: owner.id }).expect(400);
    });
  });
});
