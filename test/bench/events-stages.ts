import { mongo } from 'mongoose';
import { fromBsonCopy } from '../../src/common/mongo/bson-copy';
import { withDatabase } from '../support/mongo';
import { testKafka } from '../support/kafka';
import { BenchEnvironment } from './bench-environment';
import { LoadResult, percentile } from './events-load';

/** Where a write's event spent its time, per event: p50 / p99 ms of each stage. */
export interface StageBreakdown {
  /** occurredAt (the event built, just before the entity's write) → the HTTP response. */
  write: [number, number];
  /** The HTTP response → the relay's send (the Kafka record's timestamp, set by the producer): waiting for and in a round. */
  toSend: [number, number];
  /** The send → the consumer's audit entry (`receivedAt`, taken just before its bulk write). */
  toAudit: [number, number];
}

/** The timestamp of every record on the bench's topic, by `partition:offset`: read once, from the beginning to the end. */
export async function recordTimes(bench: BenchEnvironment): Promise<Map<string, number>> {
  const kafka = testKafka(bench.env.KAFKA_BROKERS);
  const topic = bench.env.KAFKA_TOPIC ?? '';
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const left = new Map(ends.filter((end) => Number(end.high) > 0).map((end) => [end.partition, Number(end.high)]));
  const times = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `bench-stages-${Date.now()}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    if (left.size === 0) resolve();
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) times.set(`${batch.partition}:${message.offset}`, Number(message.timestamp));
        if (Number(batch.lastOffset()) + 1 >= (left.get(batch.partition) ?? 0)) left.delete(batch.partition);
        if (left.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  return times;
}

/** The stages of one load's events, from their audit entries and the records' timestamps. */
export async function stagesOf(bench: BenchEnvironment, load: LoadResult, times: Map<string, number>): Promise<StageBreakdown> {
  type Entry = { entityId: string; occurredAt: Date; receivedAt: Date; partition?: number; offset?: string; copy?: mongo.Binary };
  const entries = await withDatabase(bench.env.MONGODB_URI ?? '', (db) =>
    db
      .collection<Entry>('events')
      .find({ type: 'user.created', entityId: { $in: [...load.respondedAt.keys()] } })
      .project<Entry>({ _id: 0 })
      .toArray(),
  );
  const write: number[] = [];
  const toSend: number[] = [];
  const toAudit: number[] = [];
  for (const entry of entries) {
    const respondedAt = load.respondedAt.get(entry.entityId);
    // Where it was read from: in the entry's copy, or on its own in an earlier version's entry.
    const { partition, offset } = entry.copy ? fromBsonCopy<{ partition: number; offset: string }>(entry.copy) : entry;
    const sentAt = times.get(`${partition}:${offset}`);
    if (respondedAt === undefined || sentAt === undefined) continue;
    write.push(respondedAt - entry.occurredAt.getTime());
    toSend.push(sentAt - respondedAt);
    toAudit.push(entry.receivedAt.getTime() - sentAt);
  }
  const p = (values: number[]): [number, number] => {
    const sorted = values.sort((a, b) => a - b);
    return [percentile(sorted, 50), percentile(sorted, 99)];
  };
  return { write: p(write), toSend: p(toSend), toAudit: p(toAudit) };
}
