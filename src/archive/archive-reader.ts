import { hourOf, hourStartKey, ObjectKeyParts, parseObjectKey } from './archive-keys';
import { ArchiveRecord, decodeObject } from './archive-record';
import { ObjectStore, StoredObject } from './object-store';

export interface ArchiveRange {
  /** Message timestamps from (inclusive) and to (exclusive), epoch ms. */
  from?: number;
  to?: number;
  partition?: number;
}

export interface ArchiveObject extends StoredObject {
  parts: ObjectKeyParts;
}

/**
 * The archive objects of `topic` that may hold messages of the range, by
 * partition and then offset, so that a replay keeps each partition's order.
 * Only the hours of the range are listed: keys sort by date and hour.
 */
export async function listArchive(store: ObjectStore, prefix: string, topic: string, range: ArchiveRange = {}): Promise<ArchiveObject[]> {
  const lastHour = range.to === undefined ? undefined : hourOf(range.to - 1);
  const startAfter = range.from === undefined ? undefined : hourStartKey(prefix, topic, hourOf(range.from));
  const objects: ArchiveObject[] = [];
  for await (const object of store.list(`${prefix}${topic}/`, startAfter)) {
    const parts = parseObjectKey(object.key);
    if (!parts || parts.topic !== topic) continue;
    if (lastHour !== undefined && parts.hour > lastHour) break;
    if (range.partition === undefined || parts.partition === range.partition) objects.push({ ...object, parts });
  }
  return objects.sort((a, b) => a.parts.partition - b.parts.partition || a.parts.firstOffset - b.parts.firstOffset);
}

/** The records of the objects, in their order, within the range's time bounds. */
export async function* readArchive(
  store: ObjectStore,
  objects: readonly ArchiveObject[],
  range: ArchiveRange = {},
): AsyncIterable<ArchiveRecord> {
  for (const object of objects) {
    for (const record of await decodeObject(await store.get(object.key))) {
      if (range.from !== undefined && record.timestamp < range.from) continue;
      if (range.to !== undefined && record.timestamp >= range.to) continue;
      yield record;
    }
  }
}
