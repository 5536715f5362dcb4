/**
 * The archive's key layout, Hive-style so that query engines (Athena, Spark,
 * DuckDB) can prune by date, hour and partition:
 *
 *   <prefix><topic>/dt=2026-12-01/hour=18/partition=2/000000000123-000000000456.ndjson.gz
 *
 * `dt` and `hour` are the UTC time of the object's first message (its Kafka
 * timestamp); an object never spans two hours. The offsets are those of its
 * first and last message, zero-padded to 12 digits so keys sort by offset.
 * Everything in a key comes from the messages themselves, so a redelivery
 * after a crash names the same object.
 */
export const OBJECT_SUFFIX = '.ndjson.gz';
const OFFSET_DIGITS = 12;
const KEY_PATTERN = /(?:^|\/)([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/partition=(\d+)\/(\d+)-(\d+)\.ndjson\.gz$/;

export interface ObjectKeyParts {
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
  /** `2026-12-01T18`: the UTC hour of the first message. */
  hour: string;
}

/** `2026-12-01T18` for a Kafka timestamp (epoch ms). */
export function hourOf(timestampMs: number): string {
  return new Date(timestampMs).toISOString().slice(0, 13);
}

/** `<prefix><topic>/dt=…/hour=…/partition=N/`: where a partition's objects of one hour live. */
export function partitionHourPrefix(prefix: string, topic: string, hour: string, partition: number): string {
  return `${prefix}${topic}/dt=${hour.slice(0, 10)}/hour=${hour.slice(11, 13)}/partition=${partition}/`;
}

/** The key prefix shared by every object that starts at `firstOffset` (there is at most one). */
export function objectStartPrefix(prefix: string, topic: string, hour: string, partition: number, firstOffset: number): string {
  return `${partitionHourPrefix(prefix, topic, hour, partition)}${pad(firstOffset)}-`;
}

export function objectKey(prefix: string, parts: ObjectKeyParts): string {
  const start = objectStartPrefix(prefix, parts.topic, parts.hour, parts.partition, parts.firstOffset);
  return `${start}${pad(parts.lastOffset)}${OBJECT_SUFFIX}`;
}

/** The parts of an archive key, or undefined for any other key. */
export function parseObjectKey(key: string): ObjectKeyParts | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const [, topic, date, hour, partition, first, last] = match;
  return { topic, hour: `${date}T${hour}`, partition: Number(partition), firstOffset: Number(first), lastOffset: Number(last) };
}

/** The first key of `hour` or later under `<prefix><topic>/`, for listing from a point in time. */
export function hourStartKey(prefix: string, topic: string, hour: string): string {
  return `${prefix}${topic}/dt=${hour.slice(0, 10)}/hour=${hour.slice(11, 13)}/`;
}

function pad(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}
