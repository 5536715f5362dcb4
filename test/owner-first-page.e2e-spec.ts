import { Api, createUserWithToken } from './support/auth';
import { editOwnerList, storeAsOlderVersion } from './support/owner-lists';
import { useTestApp } from './support/test-app';

interface Page {
  items: { id: string; seq: number; name: string }[];
  nextCursor: string | null;
}

/** A filter that changes no answer here but sends the request to the query (see OwnerFirstPage.serves). */
const THROUGH_THE_QUERY = 'createdFrom=1970-01-01T00:00:00.000Z';

/**
 * The first page of one owner's datasets read through the owner index
 * (OwnerFirstPage), against the real store: for every caller, sort and order
 * it is the page the query gives — the same items, the same cursor, which
 * the query then continues — over datasets created, bulk-created, trashed,
 * purged, transferred in and out, shared and internal, and over a list of an
 * older version without sort keys.
 */
describe('Owner first page (e2e)', () => {
  const testApp = useTestApp();
  let admin: Api;
  const owner = { id: '', api: undefined as unknown as Api };
  const other = { id: '', api: undefined as unknown as Api };
  const grantee = { id: '', api: undefined as unknown as Api };

  const page = async (api: Api, path: string): Promise<Page> => (await api.get(path).expect(200)).body as Page;
  const names = (p: Page): string[] => p.items.map(({ name }) => name);

  /** Every caller, sort, order and a small limit: the page through the index equals the page through the query. */
  const expectSamePages = async (): Promise<number> => {
    let compared = 0;
    for (const api of [admin, owner.api, other.api, grantee.api]) {
      for (const sort of ['createdAt', 'seq']) {
        for (const order of ['asc', 'desc']) {
          for (const [base, query] of [
            [`/datasets?ownerId=${owner.id}&`, ''],
            [`/users/${owner.id}/datasets?`, ''],
          ]) {
            const params = `${query}sort=${sort}&order=${order}&limit=4`;
            const fast = await page(api, `${base}${params}`);
            const slow = await page(api, `${base}${params}&${THROUGH_THE_QUERY}`);
            expect(names(fast)).toEqual(names(slow));
            expect(fast.nextCursor).toEqual(slow.nextCursor);
            if (fast.nextCursor) {
              const next = await page(api, `${base}${params}&cursor=${fast.nextCursor}`);
              const all = await page(api, `${base}sort=${sort}&order=${order}&limit=200&${THROUGH_THE_QUERY}`);
              expect([...names(fast), ...names(next)]).toEqual(names(all).slice(0, fast.items.length + next.items.length));
            }
            compared++;
          }
        }
      }
    }
    return compared;
  };

  beforeAll(async () => {
    admin = testApp.api();
    for (const user of [owner, other, grantee]) {
      const made = await createUserWithToken(admin);
      Object.assign(user, { id: made.id, api: made.api(testApp.url) });
    }
  });

  it('gives the page the query gives, for every caller, sort and order, over datasets in every state', async () => {
    const create = async (api: Api, name: string, extra: object = {}): Promise<string> =>
      (
        await api
          .post('/datasets')
          .send({ name, ...extra })
          .expect(201)
      ).body.id as string;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await create(owner.api, `own ${i}`, i % 3 === 0 ? { visibility: 'internal' } : {}));
    await admin
      .post('/datasets/bulk')
      .send(Array.from({ length: 5 }, (_, i) => ({ name: `bulk ${i}`, ownerId: owner.id })))
      .expect(200);
    await owner.api.put(`/datasets/${ids[1]}/access/${grantee.id}`).send({ level: 'read' }).expect(200);
    await owner.api.delete(`/datasets/${ids[2]}`).expect(204);
    await owner.api.delete(`/datasets/${ids[4]}?permanent=true`).expect(204);
    await owner.api.patch(`/datasets/${ids[5]}`).send({ ownerId: other.id }).expect(200);
    const incoming = await create(other.api, 'incoming');
    await other.api.patch(`/datasets/${incoming}`).send({ ownerId: owner.id }).expect(200);
    await create(other.api, 'not the owner');

    expect(await expectSamePages()).toBe(32);
    const firstPage = await page(admin, `/datasets?ownerId=${owner.id}&sort=seq&limit=50`);
    expect(names(firstPage)).toEqual(['own 0', 'own 1', 'own 3', 'bulk 0', 'bulk 1', 'bulk 2', 'bulk 3', 'bulk 4', 'incoming']);
    expect(names(await page(other.api, `/users/${owner.id}/datasets?sort=seq`))).toEqual(['own 0', 'own 3']);
    expect(names(await page(grantee.api, `/users/${owner.id}/datasets?sort=seq`))).toEqual(['own 0', 'own 1', 'own 3']);
  });

  it('reads a list of an older version, which has no sort keys, the same way', async () => {
    await storeAsOlderVersion(testApp.config.mongodb.uri, owner.id, { withSortKeys: false, withStates: true });
    expect(await expectSamePages()).toBe(32);
  });

  it('reads the datasets its list names, not every dataset (a dataset missing from the list is not on the page)', async () => {
    // Only a broken list could miss a dataset; breaking one shows which path the page took.
    const first = (await page(admin, `/datasets?ownerId=${owner.id}&sort=seq&limit=1`)).items[0];
    await editOwnerList(testApp.config.mongodb.uri, owner.id, (list) => list.delete(first.id));
    expect(names(await page(admin, `/datasets?ownerId=${owner.id}&sort=seq&limit=1`))).not.toContain(first.name);
    expect(names(await page(admin, `/datasets?ownerId=${owner.id}&sort=seq&limit=1&${THROUGH_THE_QUERY}`))).toEqual([first.name]);
  });
});
