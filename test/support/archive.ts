import { randomBytes, randomUUID } from 'node:crypto';
import { Admin, Kafka } from 'kafkajs';
import { archiveLag } from '../../src/archive/archive-lag';
import { listArchive } from '../../src/archive/archive-reader';
import { ArchiveRecord, decodeObject } from '../../src/archive/archive-record';
import { S3ObjectStore } from '../../src/archive/s3-object-store';
import { StackEnv } from '../../stack/local-stack';
import { AppProcess, spawnApp } from './app-process';
import { uriWithDatabase } from './mongo';
import { freePort } from './ports';
import { waitFor } from './wait';

/** One message's identity: where it is and which event it holds. */
export type Position = `${number}@${string}:${string}`;
const position = (partition: number, offset: string, id: string): Position => `${partition}@${offset}:${id}`;

/** The settings of a service that archives its own topic into the bucket of `s3` (a private S3Proxy). */
export async function archivingServiceEnv(s3: StackEnv, overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const suffix = randomUUID().slice(0, 8);
  return {
    MONGODB_URI: uriWithDatabase(process.env.MONGODB_URI ?? '', `e2e_archive_${suffix}`),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
    KAFKA_TOPIC: `e2e_archive_${suffix}`,
    KAFKA_GROUP_ID: `e2e-archive-${suffix}`,
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    ARCHIVE_ENABLED: 'true',
    // Small objects and a short age: many flushes, so faults land in the middle of one.
    ARCHIVE_MAX_EVENTS: '40',
    ARCHIVE_MAX_AGE_SECONDS: '1',
    ARCHIVE_S3_BUCKET: 'e2e-archive',
    ARCHIVE_S3_ENDPOINT: s3.ARCHIVE_S3_ENDPOINT,
    ARCHIVE_S3_REGION: s3.ARCHIVE_S3_REGION,
    ARCHIVE_S3_FORCE_PATH_STYLE: s3.ARCHIVE_S3_FORCE_PATH_STYLE,
    ARCHIVE_S3_ACCESS_KEY_ID: s3.ARCHIVE_S3_ACCESS_KEY_ID,
    ARCHIVE_S3_SECRET_ACCESS_KEY: s3.ARCHIVE_S3_SECRET_ACCESS_KEY,
    ...overrides,
  };
}

/** Starts the built service and waits until it answers (its archive may still be joining its group). */
export async function startService(env: Record<string, string>): Promise<AppProcess> {
  const app = spawnApp(env);
  await waitFor(
    async () => {
      if (app.child.exitCode !== null) throw new Error(`service exited: ${app.output().slice(-2000)}`);
      return (await fetch(`http://127.0.0.1:${env.PORT}/health`).catch(() => undefined))?.status !== undefined;
    },
    { what: 'the service to answer', timeoutMs: 60_000, intervalMs: 250 },
  );
  return app;
}

export async function stopService(app: AppProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill(signal);
  await app.exited;
}

/** Publishes `count` valid user.created events (as the service's relay would), `batch` per send; returns their ids. */
export async function publishEvents(kafka: Kafka, topic: string, count: number, { batch = 50, pauseMs = 0 } = {}): Promise<string[]> {
  const producer = kafka.producer();
  await producer.connect();
  const ids: string[] = [];
  try {
    for (let sent = 0; sent < count; sent += batch) {
      const messages = Array.from({ length: Math.min(batch, count - sent) }, () => {
        const event = userCreated();
        ids.push(event.id);
        return { key: event.entityId, value: JSON.stringify(event), headers: { 'event-type': event.type, 'event-version': '1' } };
      });
      await producer.send({ topic, messages });
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  } finally {
    await producer.disconnect();
  }
  return ids;
}

function userCreated(): { id: string; type: string; entityId: string } & Record<string, unknown> {
  const userId = randomBytes(12).toString('hex');
  const at = new Date().toISOString();
  const name = `Archive ${userId.slice(-6)}`;
  return {
    id: randomUUID(),
    type: 'user.created',
    version: 1,
    occurredAt: at,
    entity: 'user',
    entityId: userId,
    sequence: 1,
    data: { id: userId, name, email: `archive-${userId}@example.com`, attributes: {}, createdAt: at, updatedAt: at },
    meta_string: `user_collection is getting updated; ${name} with id ${userId} is getting appended to user`,
  };
}

/** Waits until the archive group has committed everything on the topic: every message is in an object. */
export async function waitArchived(admin: Admin, env: Record<string, string>, timeoutMs = 90_000): Promise<void> {
  await waitFor(async () => (await archiveLag(admin, `${env.KAFKA_GROUP_ID}-archive`, env.KAFKA_TOPIC)).total === 0, {
    what: 'the archive to catch up',
    timeoutMs,
    intervalMs: 500,
  });
}

/** Every message on the topic, read from the beginning by a consumer of its own. */
export async function topicPositions(kafka: Kafka, topic: string): Promise<Position[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const expected = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
  const positions: Position[] = [];
  const consumer = kafka.consumer({ groupId: `e2e-topic-reader-${randomUUID()}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      positions.push(position(partition, message.offset, (JSON.parse(message.value?.toString() ?? '{}') as { id: string }).id));
    },
  });
  await waitFor(() => positions.length >= expected, { what: `${expected} messages from ${topic}`, timeoutMs: 60_000 });
  await consumer.disconnect();
  return positions;
}

export interface ArchiveContents {
  objects: { key: string; partition: number; firstOffset: number; lastOffset: number; records: ArchiveRecord[] }[];
  positions: Position[];
}

export async function archiveContents(env: Record<string, string>): Promise<ArchiveContents> {
  const store = new S3ObjectStore({
    bucket: env.ARCHIVE_S3_BUCKET,
    endpoint: env.ARCHIVE_S3_ENDPOINT,
    region: env.ARCHIVE_S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.ARCHIVE_S3_ACCESS_KEY_ID, secretAccessKey: env.ARCHIVE_S3_SECRET_ACCESS_KEY },
  });
  try {
    const objects = [];
    for (const object of await listArchive(store, '', env.KAFKA_TOPIC)) {
      objects.push({ key: object.key, ...object.parts, records: await decodeObject(await store.get(object.key)) });
    }
    const positions = objects.flatMap((o) => o.records.map((r) => position(r.partition, r.offset, (r.value as { id: string }).id)));
    return { objects, positions };
  } finally {
    store.destroy();
  }
}

/** The archive holds exactly the topic: the same messages, none missing, none in two objects, each object what its key says. */
export function expectArchiveEqualsTopic(archive: ArchiveContents, topic: Position[]): void {
  for (const object of archive.objects) {
    const offsets = object.records.map((r) => Number(r.offset));
    expect({
      key: object.key,
      partitions: [...new Set(object.records.map((r) => r.partition))],
      first: offsets[0],
      last: offsets.at(-1),
    }).toEqual({
      key: object.key,
      partitions: [object.partition],
      first: object.firstOffset,
      last: object.lastOffset,
    });
  }
  expect(new Set(archive.positions).size).toBe(archive.positions.length);
  expect([...archive.positions].sort()).toEqual([...topic].sort());
}
