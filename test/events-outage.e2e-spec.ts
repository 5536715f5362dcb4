import { randomUUID } from 'node:crypto';
import { RegistryEvent } from '../src/events/contract';
import { spawnApp } from './support/app-process';
import { testKafka, TopicRecorder } from './support/kafka';
import { uriWithDatabase } from './support/mongo';
import { freePort } from './support/ports';
import { PrivateStack, startPrivateStack } from './support/private-stack';
import { startTestApp, TestApp, useTestApp } from './support/test-app';
import { waitFor } from './support/wait';
import { Api, authedApi, newAdminToken } from './support/auth';
import { recordMeasurement } from './support/test-log';

/** The events of each entity in the order they were first seen on the topic (duplicates dropped). */
function firstSeenByEntity(recorder: TopicRecorder): Map<string, RegistryEvent[]> {
  const seen = new Set<string>();
  const byEntity = new Map<string, RegistryEvent[]>();
  for (const record of recorder.records) {
    const event = JSON.parse(record.value ?? '') as RegistryEvent;
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    byEntity.set(event.entityId, [...(byEntity.get(event.entityId) ?? []), event]);
  }
  return byEntity;
}

function expectInOrder(byEntity: Map<string, RegistryEvent[]>, expectedCounts: Map<string, number>): void {
  for (const [entityId, count] of expectedCounts) {
    expect((byEntity.get(entityId) ?? []).map((event) => event.sequence)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  }
}

/** These tests stop and start a broker: it is private to this file. */
describe('Events when the broker is away (e2e)', () => {
  let stack: PrivateStack;

  beforeAll(async () => {
    stack = await startPrivateStack();
  });

  afterAll(async () => {
    await stack?.destroy();
  });

  describe('while the service runs', () => {
    // The Kafka client logs every failed reconnect while the broker is down; the assertions say enough.
    const testApp = useTestApp(() => ({ ...stack.env, LOG_LEVEL: 'fatal' }));
    let api: Api;
    let recorder: TopicRecorder;

    beforeAll(async () => {
      api = testApp.api();
      recorder = await new TopicRecorder(testKafka(stack.env.KAFKA_BROKERS), [testApp.config.kafka.topic]).start();
      testApp.beforeClose(() => recorder.stop());
    });

    it('accepts 120 writes with the broker down, then delivers every event, in order per entity, each stored once', async () => {
      const users = await Promise.all(
        Array.from(
          { length: 10 },
          async (_, i) =>
            (
              await api
                .post('/users')
                .send({ name: `u${i}`, email: `${randomUUID()}@example.com` })
                .expect(201)
            ).body.id as string,
        ),
      );
      // The bootstrap admin's user.created, and the 10 users'.
      await waitFor(() => recorder.records.length >= 11, { what: 'the first events' });

      await stack.stack.down(['kafka']);
      const writesStarted = Date.now();
      const datasets: string[] = [];
      for (const [i, owner] of users.entries()) {
        for (let n = 0; n < 2; n++) {
          datasets.push(
            (
              await api
                .post('/datasets')
                .send({ ownerId: owner, name: `d${i}-${n}` })
                .expect(201)
            ).body.id,
          );
        }
      }
      for (const owner of users)
        for (let n = 0; n < 6; n++)
          await api
            .patch(`/users/${owner}`)
            .send({ role: `r${n}` })
            .expect(200);
      for (const id of datasets)
        for (let n = 0; n < 2; n++)
          await api
            .patch(`/datasets/${id}`)
            .send({ description: `v${n}` })
            .expect(200);
      const writesMs = Date.now() - writesStarted;
      expect(recorder.records.length).toBe(11); // nothing could be published meanwhile

      await stack.stack.up(['kafka']);
      const backAt = Date.now();
      const expected = new Map<string, number>([
        [testApp.adminId, 1],
        ...users.map((id): [string, number] => [id, 7]),
        ...datasets.map((id): [string, number] => [id, 3]),
      ]);
      const total = [...expected.values()].reduce((sum, n) => sum + n, 0);
      await waitFor(() => new Set(recorder.records.map((r) => JSON.parse(r.value ?? '').id)).size >= total, {
        what: `all ${total} events after the broker came back`,
        timeoutMs: 120_000,
        intervalMs: 50,
      });
      const drainMs = Date.now() - backAt;
      recordMeasurement(
        `[outage] 120 writes with the broker down took ${writesMs} ms; the backlog drained ${drainMs} ms after it came back`,
      );

      expectInOrder(firstSeenByEntity(recorder), expected);
      for (const [entityId, count] of expected) {
        const log = await waitFor(
          async () => {
            const items = (await api.get('/events').query({ entityId, limit: 200 }).expect(200)).body.items as {
              id: string;
              sequence: number;
            }[];
            return items.length >= count ? items : undefined;
          },
          { what: `the audit log of ${entityId}`, timeoutMs: 60_000 },
        );
        expect(log.map((entry) => entry.sequence)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
        expect(new Set(log.map((entry) => entry.id)).size).toBe(count);
      }
    });
  });

  it('publishes the events of writes made by a process killed before it could publish them', async () => {
    const suffix = randomUUID().slice(0, 8);
    const env = {
      MONGODB_URI: uriWithDatabase(stack.env.MONGODB_URI, `e2e_crash_${suffix}`),
      KAFKA_BROKERS: stack.env.KAFKA_BROKERS,
      KAFKA_TOPIC: `e2e_crash_${suffix}`,
      KAFKA_GROUP_ID: `e2e-crash-${suffix}`,
    };
    const port = await freePort();
    const adminToken = newAdminToken();
    const admin = { BOOTSTRAP_ADMIN_EMAIL: `admin-${suffix}@example.com`, BOOTSTRAP_ADMIN_TOKEN: adminToken };
    const victim = spawnApp({ ...env, ...admin, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'fatal' });
    const victimApi = authedApi(`http://127.0.0.1:${port}`, adminToken);
    let restarted: TestApp | undefined;
    const recorder = new TopicRecorder(testKafka(stack.env.KAFKA_BROKERS), [env.KAFKA_TOPIC]);
    try {
      await waitFor(async () => (await victimApi.get('/health')).status === 200, { what: 'the victim to start' });
      await stack.stack.down(['kafka']);
      const owner = (
        await victimApi
          .post('/users')
          .send({ name: 'Crash', email: `${randomUUID()}@example.com` })
          .expect(201)
      ).body.id;
      const dataset = (await victimApi.post('/datasets').send({ ownerId: owner, name: 'crash' }).expect(201)).body.id;
      for (let n = 0; n < 5; n++)
        await victimApi
          .patch(`/datasets/${dataset}`)
          .send({ description: `v${n}` })
          .expect(200);
      victim.child.kill('SIGKILL');
      await victim.exited;

      await stack.stack.up(['kafka']);
      await recorder.start();
      restarted = await startTestApp({ ...env, LOG_LEVEL: 'fatal' });
      // By entity, not by count: the bootstrap admin's event may be on the topic too (the victim
      // serves HTTP before it has published it).
      await waitFor(
        () => {
          const byEntity = firstSeenByEntity(recorder);
          return byEntity.get(owner)?.length === 1 && byEntity.get(dataset)?.length === 6;
        },
        { what: 'the 7 events written before the crash', timeoutMs: 60_000 },
      );
      expectInOrder(
        firstSeenByEntity(recorder),
        new Map([
          [owner, 1],
          [dataset, 6],
        ]),
      );
    } finally {
      victim.child.kill('SIGKILL');
      await recorder.stop();
      await restarted?.close();
    }
  });
});
