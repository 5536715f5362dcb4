import { unique } from './support/unique';
import { useTestApp } from './support/test-app';
import { Api } from './support/auth';

describe('Datasets: search and bulk (e2e)', () => {
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

  describe('GET /datasets (search)', () => {
    let ownerId: string;
    const marker = unique('m');

    beforeAll(async () => {
      ownerId = await createUser();
      const datasets = [
        { name: `${marker}-power`, tags: ['energy', 'household'], frequency: '1m', description: 'Household meters' },
        { name: `${marker}-wind`, tags: ['energy', 'wind'], frequency: '10m', description: 'Turbine output' },
        { name: `${marker}-sales`, tags: ['retail'], frequency: '1d', description: 'Store revenue by HOUSEHOLD segment' },
      ];
      for (const dataset of datasets)
        await api
          .post('/datasets')
          .send({ ownerId, ...dataset })
          .expect(201);
    });

    const names = async (query: Record<string, string | number>): Promise<string[]> =>
      (
        await api
          .get('/datasets')
          .query({ ownerId, ...query })
          .expect(200)
      ).body.items.map((d: { name: string }) => d.name.replace(`${marker}-`, ''));

    it('filters by all of / any of the tags', async () => {
      expect(await names({ tags: 'energy,household' })).toEqual(['power']);
      expect(await names({ tags: 'household,retail', tagMatch: 'any' })).toEqual(['power', 'sales']);
      expect(await names({ tags: 'nothing' })).toEqual([]);
    });

    it('filters by name substring, frequency and q over name and description', async () => {
      expect(await names({ name: 'WIN' })).toEqual(['wind']);
      expect(await names({ frequency: '1d' })).toEqual(['sales']);
      expect(await names({ q: 'household' })).toEqual(['power', 'sales']);
      expect(await names({ q: 'turbine', tags: 'energy' })).toEqual(['wind']);
    });

    it('sorts by name, seq or creation time, and pages', async () => {
      expect(await names({ sort: 'name', order: 'desc' })).toEqual(['wind', 'sales', 'power']);
      expect(await names({ sort: 'seq' })).toEqual(['power', 'wind', 'sales']);
      const first = await api.get('/datasets').query({ ownerId, sort: 'name', limit: 2 }).expect(200);
      const rest = await api.get('/datasets').query({ ownerId, sort: 'name', limit: 2, cursor: first.body.nextCursor }).expect(200);
      expect([...first.body.items, ...rest.body.items].map((d: { name: string }) => d.name.replace(`${marker}-`, ''))).toEqual([
        'power',
        'sales',
        'wind',
      ]);
      expect(rest.body.nextCursor).toBeNull();
    });

    it('treats regex characters in search text literally', async () => {
      expect(await names({ name: '.*' })).toEqual([]);
      expect(await names({ q: '(' })).toEqual([]);
    });

    it('validates its query', async () => {
      for (const [query, field] of [
        [{ ownerId: 'nope' }, 'ownerId'],
        [{ tagMatch: 'some' }, 'tagMatch'],
        [{ frequency: 'hourly' }, 'frequency'],
        [{ sort: 'owner' }, 'sort'],
        [{ createdFrom: 'yesterday' }, 'createdFrom'],
        [{ unknown: '1' }, 'unknown'],
      ] as const) {
        const response = await api.get('/datasets').query(query).expect(400);
        expect(response.body.details[0].field).toBe(field);
      }
    });
  });

  describe('POST /datasets/bulk', () => {
    it('registers many datasets with consecutive seqs and reports each item', async () => {
      const ownerId = await createUser();
      const items = [
        { ownerId, name: 'bulk-1' },
        { ownerId, name: 'BULK-1' },
        { ownerId: '0123456789abcdef01234567', name: 'bulk-2' },
        { ownerId, name: 'bulk-3', frequency: 'often' },
        { ownerId, name: 'bulk-4' },
      ];
      const { body } = await api.post('/datasets/bulk').send(items).expect(200);
      expect(body).toMatchObject({ created: 2, rejected: 3 });
      expect(body.items.map((i: { status: string; error?: { statusCode: number } }) => i.error?.statusCode ?? i.status)).toEqual([
        'created',
        409,
        422,
        400,
        'created',
      ]);
      expect(body.items[4].item.seq).toBe(body.items[0].item.seq + 1);
      const owner = await api.get(`/users/${ownerId}`).expect(200);
      expect(owner.body.datasetIds).toEqual([body.items[0].item.id, body.items[4].item.id]);
    });
  });
});
