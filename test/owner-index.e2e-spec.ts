import { mongo } from 'mongoose';
import { OwnershipJanitor } from '../src/datasets/ownership-janitor';
import { Api, authedApi, createUserWithToken } from './support/auth';
import { withDatabase } from './support/mongo';
import { editOwnerList, readOwnerLists, StoredList, storeAsOlderVersion } from './support/owner-lists';
import { useTestApp } from './support/test-app';

/** The entry states (ENTRY_STATE of the owner index's schema), as stored. */
const PENDING = 1;
const CONFIRMED = 2;
const CANDIDATE = 3;

/** A filter that changes no answer here but sends the request to the query, past the owner index. */
const THROUGH_THE_QUERY = 'createdFrom=1970-01-01T00:00:00.000Z';

/**
 * `GET /users/{id}` through the owner index's confirmed entries (OwnedDatasets.idsOwnedBy), against the real
 * store: the ids listed are the user's active datasets the caller may read — the ones the query finds — after
 * creates, bulk creates, trash, restore, purge and transfers; over entries a crash could leave unconfirmed;
 * and with the index's confirmed entries exactly the user's active datasets.
 */
describe('Owner index: GET /users/{id} (e2e)', () => {
  const testApp = useTestApp();
  let admin: Api;
  const owner = { id: '', api: undefined as unknown as Api };
  const other = { id: '', api: undefined as unknown as Api };
  const grantee = { id: '', api: undefined as unknown as Api };
  const ids: string[] = [];

  const listOf = async (userId: string): Promise<StoredList | null> =>
    (await readOwnerLists(testApp.config.mongodb.uri, userId))[0] ?? null;
  const setStates = (userId: string, states: Record<string, number>): Promise<void> =>
    editOwnerList(testApp.config.mongodb.uri, userId, (list) => {
      for (const [id, state] of Object.entries(states)) list.set(id, { ...list.get(id), state: state as never });
    });
  const listed = async (api: Api, userId: string): Promise<string[]> => (await api.get(`/users/${userId}`).expect(200)).body.datasetIds;
  /** What the query (not the index) says `api`'s caller may read of the user's datasets, by number. */
  const truth = async (api: Api, userId: string): Promise<string[]> =>
    (await api.get(`/datasets?ownerId=${userId}&sort=seq&order=asc&limit=200&${THROUGH_THE_QUERY}`).expect(200)).body.items.map(
      (item: { id: string }) => item.id,
    );
  const expectListsMatchTheQuery = async (): Promise<void> => {
    for (const api of [admin, owner.api, other.api, grantee.api]) {
      for (const user of [owner, other]) expect(await listed(api, user.id)).toEqual(await truth(api, user.id));
    }
  };
  /** The index's confirmed entries of a user are exactly the user's active datasets. */
  const expectConfirmedAreTheActive = async (userId: string): Promise<void> => {
    const list = await listOf(userId);
    const confirmed = Object.entries(list?.states ?? {}).filter(([id, state]) => state === CONFIRMED && list?.datasetIds.includes(id));
    expect(confirmed.map(([id]) => id).sort()).toEqual([...(await truth(admin, userId))].sort());
  };

  beforeAll(async () => {
    admin = testApp.api();
    for (const user of [owner, other, grantee]) {
      const made = await createUserWithToken(admin);
      Object.assign(user, { id: made.id, api: made.api(testApp.url) });
    }
  });

  it('lists what the query finds, for every caller, through creates, trash, restore, purge and transfers', async () => {
    for (let i = 0; i < 7; i++) {
      const { body } = await owner.api
        .post('/datasets')
        .send({ name: `own ${i}`, ...(i % 3 === 0 ? { visibility: 'internal' } : {}) })
        .expect(201);
      ids.push(body.id);
    }
    const bulk = await admin
      .post('/datasets/bulk')
      .send(Array.from({ length: 4 }, (_, i) => ({ name: `bulk ${i}`, ownerId: owner.id })))
      .expect(200);
    ids.push(...bulk.body.items.map((outcome: { item: { id: string } }) => outcome.item.id));
    await expectConfirmedAreTheActive(owner.id);
    await expectListsMatchTheQuery();

    await owner.api.put(`/datasets/${ids[1]}/access/${grantee.id}`).send({ level: 'read' }).expect(200);
    await owner.api.delete(`/datasets/${ids[2]}`).expect(204);
    await owner.api.delete(`/datasets/${ids[4]}`).expect(204);
    await owner.api.delete(`/datasets/${ids[5]}?permanent=true`).expect(204);
    await owner.api.patch(`/datasets/${ids[6]}`).send({ ownerId: other.id }).expect(200);
    const incoming = (await other.api.post('/datasets').send({ name: 'incoming' }).expect(201)).body.id as string;
    await other.api.patch(`/datasets/${incoming}`).send({ ownerId: owner.id }).expect(200);
    const before = await listed(admin, owner.id);
    for (const gone of [ids[2], ids[4], ids[5], ids[6]]) expect(before).not.toContain(gone);
    expect(before).toContain(incoming);
    expect(await listed(admin, other.id)).toContain(ids[6]);
    await expectListsMatchTheQuery();

    await owner.api.post(`/datasets/${ids[4]}/restore`).expect(200);
    expect(await listed(owner.api, owner.id)).toContain(ids[4]);
    // A refused transfer (the name is taken at the new owner) leaves the dataset its owner's, confirmed.
    await other.api.post('/datasets').send({ name: 'own 3' }).expect(201);
    await owner.api.patch(`/datasets/${ids[3]}`).send({ ownerId: other.id }).expect(409);
    await expectListsMatchTheQuery();
    await expectConfirmedAreTheActive(owner.id);
    await expectConfirmedAreTheActive(other.id);
  });

  it('answers correctly over entries a crash left unconfirmed, and over a list of an older version', async () => {
    const { id: orphan } = (await owner.api.post('/datasets').send({ name: 'orphan to be' }).expect(201)).body as { id: string };
    const trashed = ids[2];
    // What a kill can leave: a create that died before activating (a pending entry of a dataset never made, or
    // made and then removed by the janitor), a trash or transfer killed between its demotion and its write (a
    // candidate of an active dataset), a purge killed before unlisting (a candidate in the trash or gone).
    const neverMade = '0123456789abcdef01234567';
    await setStates(owner.id, { [neverMade]: PENDING, [orphan]: PENDING, [ids[0]]: CANDIDATE, [trashed]: CANDIDATE });
    await withDatabase(testApp.config.mongodb.uri, (db) => db.collection('datasets').deleteOne({ _id: new mongo.ObjectId(orphan) }));
    await expectListsMatchTheQuery();
    expect(await listed(admin, owner.id)).toContain(ids[0]);

    await storeAsOlderVersion(testApp.config.mongodb.uri, owner.id, { withSortKeys: true, withStates: false });
    expect(Object.keys((await listOf(owner.id))!.states)).toEqual([]);
    await expectListsMatchTheQuery();
  });

  it('has the ownership janitor settle unconfirmed entries: the active confirmed, the gone unlisted, the trashed kept', async () => {
    const janitor = testApp.app.get(OwnershipJanitor);
    // Entries of datasets made a minute ago or more: no create of theirs can still be under way.
    const settled = await janitor.repairOwnerLists(new Date(Date.now() + 2 * 60_000));
    expect(settled.confirmed).toBeGreaterThanOrEqual(8);
    expect(settled.unlisted).toBeGreaterThanOrEqual(2);
    const list = await listOf(owner.id);
    expect(list?.datasetIds).not.toContain('0123456789abcdef01234567');
    expect(list?.datasetIds).toContain(ids[2]);
    await expectConfirmedAreTheActive(owner.id);
    await expectListsMatchTheQuery();
    // Nothing left to settle but the trashed datasets, which stay candidates.
    expect(await janitor.repairOwnerLists(new Date(Date.now() + 2 * 60_000))).toEqual({ confirmed: 0, unlisted: 0, kept: 1 });
  });

  it('trusts confirmed entries for an admin and the owner, and reads the datasets for anyone else', async () => {
    // Only a broken index could confirm a trashed dataset; breaking one shows which path each caller took.
    const trashed = ids[2];
    await setStates(owner.id, { [trashed]: CONFIRMED });
    expect(await listed(admin, owner.id)).toContain(trashed);
    expect(await listed(owner.api, owner.id)).toContain(trashed);
    expect(await listed(other.api, owner.id)).toEqual(await truth(other.api, owner.id));
    expect(await listed(grantee.api, owner.id)).toEqual(await truth(grantee.api, owner.id));
    await setStates(owner.id, { [trashed]: CANDIDATE });
    expect(await listed(admin, owner.id)).not.toContain(trashed);
  });

  it("limits the owner's confirmed entries to what the caller's token reaches", async () => {
    const visible = await truth(admin, owner.id);
    const limited = await admin
      .post(`/users/${owner.id}/tokens`)
      .send({ name: 'limited', scopes: ['read'], datasetIds: [visible[0], visible[2]] })
      .expect(201);
    const api = authedApi(testApp.url, limited.body.token as string);
    expect(await listed(api, owner.id)).toEqual([visible[0], visible[2]]);
  });
});
