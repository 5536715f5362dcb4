import { testKafka } from './kafka';
import { withDatabase } from './mongo';

/** What a kill run reads back from the store and the broker to judge it. */

export async function lockedDatasets(uri: string): Promise<string[]> {
  return withDatabase(uri, async (db) =>
    (
      await db
        .collection<{ _id: string }>('locks')
        .find({ _id: { $regex: '^dataset:' } })
        .toArray()
    ).map((lock) => lock._id.slice(8)),
  );
}

/** Messages of the topic the group has not committed yet, through the Kafka admin API. */
export async function groupLag(admin: ReturnType<ReturnType<typeof testKafka>['admin']>, groupId: string, topic: string): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.reduce((lag, { partition, high }) => {
    const offset = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
    return lag + Number(high) - Math.max(offset, 0);
  }, 0);
}

export async function auditLog(uri: string): Promise<Map<string, { entityId: string; sequence: number }>> {
  return withDatabase(uri, async (db) => {
    const events = await db
      .collection<{ _id: string; entityId: string; sequence: number }>('events')
      .find({}, { projection: { entityId: 1, sequence: 1 } })
      .toArray();
    return new Map(events.map((event) => [event._id, { entityId: event.entityId, sequence: event.sequence }]));
  });
}

export async function ownership(
  uri: string,
  instances: { port: number }[],
  headers: Record<string, string>,
): Promise<{ owners: Map<string, string>; listed: Map<string, string[]> }> {
  const datasets = await withDatabase(uri, (db) =>
    db
      .collection<{ _id: unknown; ownerId: unknown }>('datasets')
      .find({ state: 'active' }, { projection: { ownerId: 1 } })
      .toArray(),
  );
  const users = await withDatabase(uri, (db) =>
    db
      .collection('users')
      .find({}, { projection: { _id: 1 } })
      .toArray(),
  );
  const listed = new Map<string, string[]>();
  for (const user of users) {
    const id = String(user._id);
    const response = await fetch(`http://127.0.0.1:${instances[0].port}/users/${id}`, { headers });
    listed.set(id, ((await response.json()) as { datasetIds: string[] }).datasetIds);
  }
  return { owners: new Map(datasets.map((dataset) => [String(dataset._id), String(dataset.ownerId)])), listed };
}
