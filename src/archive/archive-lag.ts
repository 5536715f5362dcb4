import type { Admin } from 'kafkajs';

/**
 * Messages on the topic that the archive group has not committed yet, i.e.
 * not yet stored (per partition: end offset minus committed offset, or minus
 * the oldest retained offset before the group's first commit).
 */
export async function archiveLag(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ total: number; partitions: Record<number, number> }> {
  // One after the other: on a fresh connection, kafkajs' admin races itself on metadata ("No brokers in the broker pool").
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committedBy = new Map(committed?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
  const partitions: Record<number, number> = {};
  let total = 0;
  for (const end of ends) {
    const done = committedBy.get(end.partition) ?? -1;
    const lag = Math.max(0, Number(end.high) - (done >= 0 ? done : Number(end.low)));
    partitions[end.partition] = lag;
    total += lag;
  }
  return { total, partitions };
}
