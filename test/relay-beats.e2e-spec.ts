import { randomUUID } from 'node:crypto';
import { newEvent } from '../src/events/outbox/event-factory';
import { BEAT_EVERY_MS, BEAT_STALE_MS, LostMarkerScans } from '../src/events/outbox/lost-markers';
import { newUser, userCreated } from '../src/users/user-rules';
import { UsersRepository } from '../src/users/users.repository';
import { withDatabase } from './support/mongo';
import { startTestApp, useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

interface Beat {
  _id: string;
  at: Date;
}

/**
 * The instances' beats against the real stack: each running instance renews one, a stopped one removes its
 * own, and a beat that stops (an instance that died) makes the relay scan for the events it left
 * unmarked — which then go out, without a restart and without the relay scanning all the time.
 */
describe('Relay beats (e2e)', () => {
  const testApp = useTestApp();
  const beats = (): Promise<Beat[]> =>
    withDatabase(testApp.config.mongodb.uri, (db) => db.collection<Beat>('relay_beats').find({}).toArray());

  it('keeps a fresh beat for each running instance and removes it when the instance stops', async () => {
    const own = testApp.app.get(LostMarkerScans).instanceId;
    await waitFor(async () => (await beats()).some(({ _id }) => _id === own), { what: 'the running instance to beat' });
    const first = (await beats()).find(({ _id }) => _id === own) as Beat;
    await waitFor(async () => ((await beats()).find(({ _id }) => _id === own)?.at ?? first.at) > first.at, {
      what: 'the beat to be renewed',
      timeoutMs: 3 * BEAT_EVERY_MS,
    });

    // A second instance on the same database and topic; closed alone (its TestApp's close would drop them).
    const second = await startTestApp({
      MONGODB_URI: testApp.config.mongodb.uri,
      KAFKA_TOPIC: testApp.config.kafka.topic,
      KAFKA_GROUP_ID: `${testApp.config.kafka.groupId}-2`,
    });
    const theirs = second.app.get(LostMarkerScans).instanceId;
    await waitFor(async () => (await beats()).some(({ _id }) => _id === theirs), { what: 'the second instance to beat' });
    await second.app.close();
    expect((await beats()).map(({ _id }) => _id)).not.toContain(theirs);
    expect((await beats()).map(({ _id }) => _id)).toContain(own);
  });

  it('publishes what an instance that died left unmarked once its beat stops, and drops that beat', async () => {
    // What an instance killed between a write and its marker leaves: the user with its event, no marker; and its beat.
    const user = newUser({ name: 'Left unmarked', email: `${randomUUID()}@example.com` });
    const change = userCreated(user, { type: 'system', name: 'relay-beats-e2e' });
    const event = newEvent(change.type, user._id.toHexString(), change.sequence, change.data, undefined, change.actor);
    expect(await testApp.app.get(UsersRepository).insert({ ...user, outbox: [event] })).toBe(true);
    const dead = `dead-${randomUUID()}`;
    await withDatabase(testApp.config.mongodb.uri, (db) =>
      db.collection<Beat>('relay_beats').insertOne({ _id: dead, at: new Date(Date.now() - BEAT_STALE_MS - 1_000) }),
    );

    await waitFor(
      async () => {
        const { items } = (await testApp.api().get('/events').query({ entityId: user._id.toHexString() }).expect(200)).body;
        return (items as { id: string }[]).some(({ id }) => id === event.id);
      },
      { what: 'the unmarked event in the audit log', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect((await beats()).map(({ _id }) => _id)).not.toContain(dead);
  });
});
