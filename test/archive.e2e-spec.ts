import { spawn } from 'node:child_process';
import * as path from 'node:path';
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
import { deleteTopics, testKafka, TopicRecorder } from './support/kafka';
import { uriWithDatabase, withDatabase } from './support/mongo';
import { PrivateStack, startPrivateStack } from './support/private-stack';
import { waitFor } from './support/wait';

const ARCHIVE_CLI = path.resolve(__dirname, '../dist/cli/archive.js');

/**
 * The archive against a real broker and a real S3 server (a private S3Proxy,
 * so it can be stopped): its objects hold exactly the topic's messages after a
 * normal run and across a storage outage, and a replay into an empty audit log
 * reproduces the service's audit log.
 */
describe('archive of the events topic to S3 (e2e)', () => {
  let privateStack: PrivateStack;
  let env: Record<string, string>;
  let service: AppProcess;
  let kafka: Kafka;
  let admin: Admin;
  /** Messages on the topic (and in the archive) once the outage test is done. */
  let archived = 0;
  const health = async (): Promise<{ status: number; body: { details?: { archive?: Record<string, unknown> } } }> => {
    const response = await fetch(`http://127.0.0.1:${env.PORT}/health`);
    return { status: response.status, body: (await response.json()) as { details?: { archive?: Record<string, unknown> } } };
  };

  beforeAll(async () => {
    privateStack = await startPrivateStack(['s3']);
    env = await archivingServiceEnv(privateStack.env);
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    service = await startService(env);
  });

  afterAll(async () => {
    if (service) await stopService(service);
    await admin?.disconnect();
    await deleteTopics([env.KAFKA_BROKERS], [env.KAFKA_TOPIC, `${env.KAFKA_TOPIC}.dlq`]);
    for (const uri of [env.MONGODB_URI, uriWithDatabase(env.MONGODB_URI, `${env.KAFKA_TOPIC}_replay`)])
      await withDatabase(uri, (db) => db.dropDatabase());
    await privateStack?.destroy();
  });

  it('holds exactly the messages of the topic after a normal run', async () => {
    await publishEvents(kafka, env.KAFKA_TOPIC, 600, { batch: 60, pauseMs: 50 });
    await waitArchived(admin, env);
    const archive = await archiveContents(env);
    expectArchiveEqualsTopic(archive, await topicPositions(kafka, env.KAFKA_TOPIC));
    expect(archive.positions).toHaveLength(600);
    expect(archive.objects.length).toBeGreaterThanOrEqual(600 / 40);
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.details?.archive).toMatchObject({ status: 'up', lag: 0 });
  });

  it('pauses while the S3 server is down and catches up once it is back, nothing lost or doubled', async () => {
    const writing = publishEvents(kafka, env.KAFKA_TOPIC, 600, { batch: 20, pauseMs: 40 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await privateStack.stack.down(['s3']);
    await writing;
    const down = await waitFor(async () => ((await health()).status === 503 ? health() : undefined), { what: 'a 503 for the archive' });
    expect(down.body.details?.archive).toMatchObject({ status: 'down' });
    await privateStack.stack.up(['s3']);
    await waitArchived(admin, env);
    expectArchiveEqualsTopic(await archiveContents(env), await topicPositions(kafka, env.KAFKA_TOPIC));
    expect(service.output()).toContain('archiving paused');
    expect(await health()).toMatchObject({ status: 200, body: { details: { archive: { status: 'up', lag: 0 } } } });
  });

  it('replays the archive into an empty audit log that equals the service’s own, idempotently', async () => {
    const total = (await topicPositions(kafka, env.KAFKA_TOPIC)).length;
    archived = total;
    await waitFor(async () => (await withDatabase(env.MONGODB_URI, (db) => db.collection('events').countDocuments())) === total, {
      what: 'the service’s audit log to hold every event',
      timeoutMs: 60_000,
    });
    const replayUri = uriWithDatabase(env.MONGODB_URI, `${env.KAFKA_TOPIC}_replay`);
    const first = await runArchiveCli(['replay', '--into-audit-log'], { ...env, MONGODB_URI: replayUri });
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain(`audit log: ${total} stored, 0 already there, 0 not events`);
    const again = await runArchiveCli(['replay', '--into-audit-log'], { ...env, MONGODB_URI: replayUri });
    expect(again.output).toContain(`audit log: 0 stored, ${total} already there`);

    const auditLog = async (uri: string): Promise<unknown[]> =>
      withDatabase(uri, (db) =>
        db
          .collection('events')
          .find({}, { projection: { receivedAt: 0 } })
          .sort({ _id: 1 })
          .toArray(),
      );
    const [original, replayed] = [await auditLog(env.MONGODB_URI), await auditLog(replayUri)];
    expect(replayed).toHaveLength(total);
    expect(replayed).toEqual(original);
  });

  it('republishes the archive onto another topic with the original keys and headers', async () => {
    const target = `${env.KAFKA_TOPIC}_replayed`;
    const { code, output } = await runArchiveCli(['replay', '--to-topic', target], env);
    expect({ code, output }).toMatchObject({ code: 0, output: expect.stringContaining(`published on ${target}: ${archived}`) as string });
    const messages = async (topic: string): Promise<string[]> => {
      const recorder = await new TopicRecorder(kafka, [topic]).start();
      await waitFor(() => recorder.records.length >= archived, { what: `${archived} messages on ${topic}`, timeoutMs: 60_000 });
      await recorder.stop();
      return recorder.records.map((r) => JSON.stringify([r.partition, r.key, r.value, r.headers])).sort();
    };
    // Same keys, so the same partitions; same values and headers.
    expect(await messages(target)).toEqual(await messages(env.KAFKA_TOPIC));
    await deleteTopics([env.KAFKA_BROKERS], [target]);
  });

  it('lists the objects as a table', async () => {
    const { code, output } = await runArchiveCli(['list'], env);
    expect(code).toBe(0);
    const objects = (await archiveContents(env)).objects.length;
    expect(output).toMatch(/^key\s+partition\s+offsets\s+bytes\s+stored at$/m);
    expect(output).toContain(`${objects} objects`);
  });
});

function runArchiveCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ARCHIVE_CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}
