import { Kafka } from 'kafkajs';
import { newEvent } from '../src/events/outbox/event-factory';
import { testKafka } from './support/kafka';
import { withDatabase } from './support/mongo';
import request from 'supertest';
import { Api, authedApi, createUserWithToken } from './support/auth';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

// Room for the admin's own set-up requests (signing in, two users with tokens) within the first minute.
const LIMIT = 6;

describe('Rate limit (e2e)', () => {
  const testApp = useTestApp({ RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  let kafka: Kafka;

  beforeAll(async () => {
    kafka = testKafka();
  });

  let alice: Api;
  let bob: Api;

  beforeAll(async () => {
    // Users of their own: the admin's allowance is partly spent by the set-up.
    alice = authedApi(testApp.url, (await createUserWithToken(testApp.api())).token);
    bob = authedApi(testApp.url, (await createUserWithToken(testApp.api())).token);
  });

  it(`answers requests beyond ${LIMIT} a minute with a 429 in the error shape and Retry-After, and writes nothing`, async () => {
    const api = alice;
    for (let i = 0; i < LIMIT; i++) await api.get('/users').expect(200);

    const refused = await api.post('/users').send({ name: 'Late', email: 'late@example.com' }).expect(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining(`at most ${LIMIT} a minute`),
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const late = await withDatabase(testApp.config.mongodb.uri, (db) =>
      db.collection('users').countDocuments({ email: 'late@example.com' }),
    );
    expect(late).toBe(0);
  });

  it('counts per identity once authenticated, per client IP for anonymous requests', async () => {
    // Alice spent her minute above; Bob, from the same IP, has his own.
    for (let i = 0; i < LIMIT; i++) await bob.get('/users').expect(200);
    await bob.get('/users').expect(429);
    for (let i = 0; i < LIMIT; i++) await request(testApp.url).get('/users').expect(401);
    await request(testApp.url).get('/users').expect(429);
  });

  it('never limits /health', async () => {
    for (let i = 0; i < LIMIT + 2; i++) await testApp.api().get('/health').expect(200);
  });

  it('never limits the Kafka consumer', async () => {
    const events = Array.from({ length: LIMIT + 3 }, (_, i) => {
      const entityId = `6650c0ffee0000000000${String(i).padStart(4, '0')}`;
      return newEvent('user.deleted', entityId, 1, { id: entityId });
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: testApp.config.kafka.topic,
        messages: events.map((event) => ({ key: event.entityId, value: JSON.stringify(event) })),
      });
    } finally {
      await producer.disconnect();
    }
    const stored = await waitFor(
      async () => {
        const ids = events.map((event) => event.id);
        const count = await withDatabase(testApp.config.mongodb.uri, (db) =>
          db.collection<{ _id: string }>('events').countDocuments({ _id: { $in: ids } }),
        );
        return count === events.length ? count : undefined;
      },
      { what: 'every produced event in the audit log' },
    );
    expect(stored).toBe(events.length);
  });
});
