import { authedApi } from './support/auth';
import { killedGroupMember } from './support/group-member';
import { testKafka } from './support/kafka';
import { ServiceProcess } from './support/service-process';
import { waitFor } from './support/wait';

// The dead member holds every rebalance of the group this long after it was killed.
const DEAD_SESSION_MS = 30_000;

/**
 * A restarted instance whose consumer group still counts a killed member
 * serves /health and the API at once; its consumer joins in the background
 * once the dead member's session has expired, and /health/ready says where it stands.
 */
describe('HTTP first: the API serves while the audit consumer joins its group (e2e)', () => {
  const service = new ServiceProcess('e2e_http_first');

  afterAll(async () => {
    await service.remove();
  });

  it('answers /health and writes while the group waits for a killed member, then audits them once joined', async () => {
    const topic = service.env.KAFKA_TOPIC ?? '';
    const admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const brokers = process.env.KAFKA_BROKERS ?? '';
    await killedGroupMember({ brokers, groupId: service.env.KAFKA_GROUP_ID ?? '', topic, sessionTimeoutMs: DEAD_SESSION_MS });
    const killedAt = Date.now();

    await service.start();
    const api = authedApi(service.url, service.adminToken);
    const ready = await api.get('/health/ready').expect(200);
    expect(Date.now() - killedAt).toBeLessThan(DEAD_SESSION_MS);
    expect(ready.body.details).toMatchObject({ mongodb: { status: 'up' }, consumer: { status: 'up', state: 'starting' } });
    const user = await api
      .post('/users')
      .send({ name: 'Early Writer', email: `early-${Date.now()}@example.com` })
      .expect(201);

    const joined = await waitFor(
      async () => {
        const body = (await api.get('/health/ready').expect(200)).body;
        return body.details.consumer.state === 'joined' ? body.details.consumer : undefined;
      },
      { what: 'the consumer to join once the dead member is gone', timeoutMs: DEAD_SESSION_MS + 30_000 },
    );
    expect(joined.partitions).toEqual([0, 1, 2]);
    await waitFor(async () => (await api.get('/events').query({ entityId: user.body.id })).body.items?.length === 1, {
      what: "the early write's event in the audit log",
    });
  });
});
