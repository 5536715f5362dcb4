import { Api, createUserWithToken } from './support/auth';
import { bulkFor, ownerListDocuments, storeAsOneDocument } from './support/owner-lists';
import { useTestApp } from './support/test-app';

/**
 * A list longer than one chunk (256 entries) on the real store: stored as a head counting its chunks, read whole by
 * `GET /users/{id}`, changed in a middle chunk, and a list stored as one document (the version before chunks) converted.
 */
describe('Owner list chunks (e2e)', () => {
  const testApp = useTestApp();
  let admin: Api;
  let owner = '';
  const ids: string[] = [];

  const documents = () => ownerListDocuments(testApp.config.mongodb.uri, owner);
  const listed = async (): Promise<string[]> => (await admin.get(`/users/${owner}`).expect(200)).body.datasetIds;
  const bulk = (count: number, prefix: string): Promise<string[]> => bulkFor(admin, owner, count, prefix);

  beforeAll(async () => {
    admin = testApp.api();
    owner = (await createUserWithToken(admin)).id;
  });

  it('stores 600 datasets in a head and two chunks, and lists them all', async () => {
    ids.push(...(await bulk(600, 'first')));
    expect(await documents()).toEqual([
      { _id: owner, entries: 256, chunks: 3 },
      { _id: `${owner}:1`, entries: 256 },
      { _id: `${owner}:2`, entries: 88 },
    ]);
    expect([...(await listed())].sort()).toEqual([...ids].sort());
  });

  it('appends to the last chunk, and trashes a dataset of a middle chunk', async () => {
    ids.push(...(await bulk(10, 'more')));
    await admin.delete(`/datasets/${ids[300]}`).expect(204);
    expect(await documents()).toEqual([
      { _id: owner, entries: 256, chunks: 3 },
      { _id: `${owner}:1`, entries: 256 },
      { _id: `${owner}:2`, entries: 98 },
    ]);
    const now = await listed();
    expect(now).toHaveLength(609);
    expect(now).not.toContain(ids[300]);
  });

  it('converts a list stored as one document on its next change', async () => {
    await storeAsOneDocument(testApp.config.mongodb.uri, owner);
    expect(await documents()).toEqual([{ _id: owner, entries: 610 }]);
    expect(await listed()).toHaveLength(609);
    ids.push(...(await bulk(1, 'last')));
    expect(await documents()).toEqual([
      { _id: owner, entries: 256, chunks: 3 },
      { _id: `${owner}:1`, entries: 256 },
      { _id: `${owner}:2`, entries: 99 },
    ]);
    const now = await listed();
    expect([...now].sort()).toEqual(ids.filter((_, i) => i !== 300).sort());
  });
});
