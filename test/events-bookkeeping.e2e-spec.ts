import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';
import { testKafka } from './support/kafka';
import { withDatabase } from './support/mongo';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';
import { Api } from './support/auth';

async function auditLogOf(api: Api, entityId: string): Promise<{ id: string; type: string }[]> {
  return (await api.get('/events').query({ entityId, limit: 200 }).expect(200)).body.items;
}

/** What the event pipeline leaves behind once events are out: the group's committed offsets, emptied outboxes. */
describe('Event pipeline bookkeeping (e2e)', () => {
  const testApp = useTestApp();
  const kafka = testKafka();
  let api: Api;

  beforeAll(() => {
    api = testApp.api();
  });

  it("commits the audit group's offsets up to the last event it stored", async () => {
    const user = (
      await api
        .post('/users')
        .send({ name: 'Committed', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id;
    await waitFor(async () => (await auditLogOf(api, user)).length === 1, { what: 'the event in the audit log' });

    const { topic, groupId } = testApp.config.kafka;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = (await admin.fetchTopicOffsets(topic)).filter((end) => Number(end.high) > 0);
      expect(ends.length).toBeGreaterThan(0);
      // Committed beside the fetch loop, shortly after the batch was stored.
      await waitFor(
        async () => {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          const at = new Map(committed.partitions.map(({ partition, offset }) => [partition, Number(offset)]));
          return ends.every((end) => (at.get(end.partition) ?? -1) >= Number(end.high));
        },
        { what: `the group's offsets at the topic's end (${ends.map((end) => `${end.partition}:${end.high}`).join(', ')})` },
      );
    } finally {
      await admin.disconnect();
    }
  });

  it("clears sent events from their entities' outboxes, several entities a write, and removes a deleted user's tombstone after", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await api
        .post('/users')
        .send({ name: `Cleared ${i}`, email: `${randomUUID()}@example.com` })
        .expect(201);
      ids.push(created.body.id);
    }
    await api.patch(`/users/${ids[0]}`).send({ role: 'analyst' }).expect(200);
    await api.delete(`/users/${ids[1]}`).expect(204);
    await waitFor(async () => (await auditLogOf(api, ids[0])).length === 2, { what: "the first user's events in the audit log" });

    // The clear waits for writes to pause; then no outbox keeps an event that went out, and no sent record is left.
    const left = await waitFor(
      () =>
        withDatabase(testApp.config.mongodb.uri, async (db) => {
          const users = await db
            .collection('users')
            .find({ _id: { $in: ids.map((id) => new mongo.ObjectId(id)) } }, { projection: { outbox: 1 } })
            .toArray();
          const waiting = users.filter((user) => (user.outbox ?? []).length > 0).length;
          const sent = await db.collection('outbox_sent').countDocuments();
          return waiting === 0 && sent === 0 && users;
        }),
      { what: 'the outboxes cleared', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(left.map((user) => String(user._id)).sort()).toEqual(ids.filter((id) => id !== ids[1]).sort());
    expect(await auditLogOf(api, ids[1])).toHaveLength(2);
  });
});
