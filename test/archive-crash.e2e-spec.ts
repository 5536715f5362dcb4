import { Admin, Kafka } from 'kafkajs';
import { AppProcess } from './support/app-process';
import {
  archiveContents,
  archivingServiceEnv,
  expectArchiveEqualsTopic,
  publishEvents,
  startService,
  stopService,
  topicPositions,
  waitArchived,
} from './support/archive';
import { deleteTopics, testKafka } from './support/kafka';
import { withDatabase } from './support/mongo';
import { PrivateStack, startPrivateStack } from './support/private-stack';
import { waitFor } from './support/wait';
import { recordMeasurement } from './support/test-log';

/**
 * The archiving process killed with SIGKILL in the middle of its work, twice —
 * once while an object is being written, once right after an object is stored
 * (the commit that follows may or may not have left) — and restarted each
 * time; then, so that the case "stored but not committed" surely happens, the
 * group's committed offsets are lost (reset to the beginning) before the last
 * restart. The archive still holds each message of the topic exactly once.
 */
describe('archive when its process is killed mid-flush (e2e)', () => {
  let privateStack: PrivateStack;
  let env: Record<string, string>;
  let kafka: Kafka;
  let admin: Admin;
  const services: AppProcess[] = [];

  beforeAll(async () => {
    privateStack = await startPrivateStack(['s3']);
    // Debug logs say when an object is being written ("storing …") and when it is stored ("stored …").
    env = await archivingServiceEnv(privateStack.env, { LOG_LEVEL: 'debug' });
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const service of services) await stopService(service);
    await admin?.disconnect();
    await deleteTopics([env.KAFKA_BROKERS], [env.KAFKA_TOPIC, `${env.KAFKA_TOPIC}.dlq`]);
    await withDatabase(env.MONGODB_URI, (db) => db.dropDatabase());
    await privateStack?.destroy();
  });

  /** Kills the service with SIGKILL the moment its output shows `text` (no polling delay). */
  function killOn(service: AppProcess, text: string): Promise<void> {
    return new Promise((resolve) => {
      const watch = (chunk: Buffer): void => {
        if (!chunk.toString().includes(text)) return;
        service.child.kill('SIGKILL');
        service.child.stdout?.off('data', watch);
        resolve();
      };
      service.child.stdout?.on('data', watch);
    });
  }

  async function start(): Promise<AppProcess> {
    const service = await startService(env);
    services.push(service);
    return service;
  }

  async function killed(service: AppProcess, text: string): Promise<void> {
    await killOn(service, text);
    expect(await service.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }

  it('holds exactly the topic after SIGKILLs mid-flush, restarts, and lost commits', async () => {
    const first = await start(); // creates the topic
    const writing = publishEvents(kafka, env.KAFKA_TOPIC, 1500, { batch: 25, pauseMs: 40 });
    await killed(first, '"msg":"storing '); // an object's PUT in flight
    // The restart waits out the dead member's session (about 30 s), then resumes at the last commit.
    await killed(await start(), '"msg":"stored '); // stored, its commit perhaps not yet sent
    const third = await start();
    await writing;
    await waitArchived(admin, env, 180_000);
    expectArchiveEqualsTopic(await archiveContents(env), await topicPositions(kafka, env.KAFKA_TOPIC));
    third.child.kill('SIGKILL');
    await third.exited;

    // Every object stored and none of their offsets committed: what runs dying before each commit would leave.
    const before = await archiveContents(env);
    const groupId = `${env.KAFKA_GROUP_ID}-archive`;
    await waitFor(async () => (await admin.describeGroups([groupId])).groups[0].state === 'Empty', {
      what: 'the killed member to leave the archive group',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    await admin.resetOffsets({ groupId, topic: env.KAFKA_TOPIC, earliest: true });
    const last = await start();
    await waitArchived(admin, env, 180_000);

    const archive = await archiveContents(env);
    expectArchiveEqualsTopic(archive, await topicPositions(kafka, env.KAFKA_TOPIC));
    expect(archive.positions).toHaveLength(1500);
    // The last run re-read the whole topic, took over every object there was and wrote none again.
    expect(archive.objects.map((o) => o.key)).toEqual(before.objects.map((o) => o.key));
    expect(last.output()).not.toContain('"msg":"stored ');
    const adopted = services.map((service) => service.output().split('stored before the offset was committed').length - 1);
    expect(adopted[adopted.length - 1]).toBe(archive.objects.length);
    recordMeasurement(`[archive-crash] ${archive.objects.length} objects; found stored but uncommitted, per run: ${adopted.join(', ')}`);
  }, 420_000);
});
