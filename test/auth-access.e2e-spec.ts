import { Api, authedApi, createUserWithToken } from './support/auth';
import { openSse } from './support/sse';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

/** Per-owner access from the outside: what anonymous users could do before, and what sharing opens up. */
describe('Access to users, datasets and events (e2e)', () => {
  const testApp = useTestApp();
  let admin: Api;
  let alice: { id: string; api: Api };
  let bob: { id: string; api: Api };

  beforeAll(async () => {
    admin = testApp.api();
    const a = await createUserWithToken(admin, { name: 'Alice' });
    const b = await createUserWithToken(admin, { name: 'Bob' });
    alice = { id: a.id, api: authedApi(testApp.url, a.token) };
    bob = { id: b.id, api: authedApi(testApp.url, b.token) };
  });

  const privateDataset = async (): Promise<string> => {
    const fields = [{ name: 'kw', type: 'number' }];
    const id = (
      await alice.api
        .post('/datasets')
        .send({ name: `p-${Date.now()}-${Math.random()}`, fields })
        .expect(201)
    ).body.id;
    await alice.api.post(`/datasets/${id}/records`).set('Content-Type', 'text/csv').send('timestamp,kw\n1000,1\n2000,2\n').expect(200);
    return id;
  };

  it('refuses the bypass chain: no transfer to yourself, no records deleted with a forged X-User-Id', async () => {
    const id = await privateDataset();
    await bob.api.patch(`/datasets/${id}`).send({ ownerId: bob.id }).expect(404);
    await bob.api.delete(`/datasets/${id}/records`).set('X-User-Id', alice.id).expect(404);
    await bob.api.delete(`/datasets/${id}`).expect(404);

    await alice.api.put(`/datasets/${id}/access/${bob.id}`).send({ level: 'read' }).expect(200);
    await bob.api.patch(`/datasets/${id}`).send({ ownerId: bob.id }).expect(403);
    await bob.api.delete(`/datasets/${id}/records`).set('X-User-Id', alice.id).expect(403);

    await alice.api.put(`/datasets/${id}/access/${bob.id}`).send({ level: 'write' }).expect(200);
    await bob.api.patch(`/datasets/${id}`).send({ ownerId: bob.id }).expect(403);
    await bob.api.patch(`/datasets/${id}`).send({ visibility: 'internal' }).expect(403);
    await bob.api.put(`/datasets/${id}/access/${bob.id}`).send({ level: 'write' }).expect(403);
    expect((await alice.api.get(`/datasets/${id}/stats`).expect(200)).body.count).toBe(2);
    expect((await alice.api.get(`/datasets/${id}`).expect(200)).body.ownerId).toBe(alice.id);
  });

  it('keeps users to themselves: no renaming, deleting or reading the e-mail of others', async () => {
    await bob.api.patch(`/users/${alice.id}`).send({ name: 'Mallory' }).expect(403);
    await bob.api.delete(`/users/${alice.id}`).query({ cascade: true }).expect(403);
    await bob.api
      .post('/users')
      .send({ name: 'Sock', email: `sock-${Date.now()}@example.com` })
      .expect(403);
    await bob.api.patch(`/users/${bob.id}`).send({ admin: true }).expect(403);
    expect((await bob.api.get(`/users/${alice.id}`).expect(200)).body).not.toHaveProperty('email');
    expect((await bob.api.get(`/users/${bob.id}`).expect(200)).body.email).toMatch(/@example\.com$/);
    expect((await admin.get(`/users/${alice.id}`).expect(200)).body.email).toMatch(/@example\.com$/);
    const everyone = (await bob.api.get('/users').query({ limit: 200 }).expect(200)).body.items as { id: string; email?: string }[];
    expect(everyone.filter((user) => user.email !== undefined).map((user) => user.id)).toEqual([bob.id]);
    expect((await bob.api.get('/users').query({ email: 'a@b.io' }).expect(403)).body.details[0].field).toBe('email');
    await admin.delete(`/users/${testApp.adminId}`).expect(409);
    await admin.patch(`/users/${testApp.adminId}`).send({ admin: false }).expect(409);
  });

  it('lists only what the caller may read, with no count or cursor that shows the rest', async () => {
    const hidden = await privateDataset();
    const open = (
      await alice.api
        .post('/datasets')
        .send({ name: `open-${Date.now()}`, visibility: 'internal' })
        .expect(201)
    ).body.id;
    const ids = async (api: Api, path: string): Promise<string[]> =>
      (await api.get(path).query({ limit: 200 }).expect(200)).body.items.map((item: { id: string }) => item.id);
    expect(await ids(bob.api, '/datasets')).toContain(open);
    expect(await ids(bob.api, '/datasets')).not.toContain(hidden);
    expect(await ids(bob.api, `/users/${alice.id}/datasets`)).not.toContain(hidden);
    const aliceSeenByBob = (await bob.api.get(`/users/${alice.id}`).expect(200)).body;
    expect(aliceSeenByBob.datasetIds).not.toContain(hidden);
    expect(aliceSeenByBob.datasetCount).toBe(aliceSeenByBob.datasetIds.length);
    const page = (await bob.api.get('/datasets').query({ ownerId: alice.id, limit: 1 }).expect(200)).body;
    const rest = page.nextCursor
      ? (await bob.api.get('/datasets').query({ ownerId: alice.id, limit: 200, cursor: page.nextCursor })).body.items
      : [];
    expect([...page.items, ...rest].map((item: { id: string }) => item.id)).not.toContain(hidden);
    await bob.api.get(`/datasets/${open}/records`).expect(200);
    await bob.api.post(`/datasets/${open}/records`).set('Content-Type', 'text/csv').send('timestamp\n1\n').expect(403);

    await alice.api.put(`/datasets/${hidden}/access/${bob.id}`).send({ level: 'read' }).expect(200);
    expect(await ids(bob.api, '/datasets')).toContain(hidden);
    expect((await alice.api.get(`/datasets/${hidden}/access`).expect(200)).body.grants).toEqual([{ userId: bob.id, level: 'read' }]);
    await alice.api.delete(`/datasets/${hidden}/access/${bob.id}`).expect(204);
    expect(await ids(bob.api, '/datasets')).not.toContain(hidden);
    await alice.api.delete(`/datasets/${hidden}/access/${bob.id}`).expect(404);
  });

  it('names the actor on every event, filters the audit log by it, and shows users only their part of it', async () => {
    const id = await privateDataset();
    const created = await waitFor(
      async () => (await admin.get('/events').query({ entityId: id, type: 'dataset.created' })).body.items[0] as Record<string, unknown>,
      { what: 'dataset.created in the audit log' },
    );
    expect(created.actor).toEqual({ type: 'user', userId: alice.id, via: 'api-token', tokenId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const mine = (await admin.get('/events').query({ actorId: alice.id, limit: 200 }).expect(200)).body.items;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((event: { actor?: { userId?: string } }) => event.actor?.userId === alice.id)).toBe(true);

    await waitFor(async () => (await admin.get('/events').query({ entityId: id, type: 'dataset.records.appended' })).body.items[0], {
      what: 'the append in the audit log',
    });
    expect((await bob.api.get('/events').query({ entityId: id }).expect(200)).body.items).toEqual([]);
    expect((await alice.api.get('/events').query({ entityId: id }).expect(200)).body.items.length).toBeGreaterThan(1);
    await alice.api.put(`/datasets/${id}/access/${bob.id}`).send({ level: 'read' }).expect(200);
    const shared = await waitFor(async () => {
      const items = (await bob.api.get('/events').query({ entityId: id })).body.items as { type: string }[];
      return items.some((event) => event.type === 'dataset.access.granted') ? items : undefined;
    });
    expect(shared.map((event) => event.type)).toEqual(expect.arrayContaining(['dataset.created', 'dataset.records.appended']));
  });

  it('streams a user only the live events they may see', async () => {
    const hidden = await privateDataset();
    const feed = openSse(`${testApp.url}/events/stream`, (await createUserWithToken(admin)).token);
    try {
      await waitFor(() => feed.messages.some((message) => message.event === 'ready'), { what: 'the feed to be ready' });
      const open = (
        await alice.api
          .post('/datasets')
          .send({ name: `live-${Date.now()}`, visibility: 'internal' })
          .expect(201)
      ).body.id;
      await alice.api.patch(`/datasets/${hidden}`).send({ description: 'secret change' }).expect(200);
      await waitFor(() => feed.messages.some((message) => message.data.includes(open)), { what: 'the internal dataset on the feed' });
      await alice.api.patch(`/datasets/${open}`).send({ description: 'after' }).expect(200);
      await waitFor(() => feed.messages.filter((message) => message.data.includes(open)).length >= 2, { what: 'the later event' });
      expect(feed.messages.some((message) => message.data.includes(hidden))).toBe(false);
    } finally {
      feed.close();
    }
  });
});
