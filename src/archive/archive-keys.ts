/**
 * The archive's keys: `<prefix><topic>/dt=…/hour=…/partition=…/<first>-<last>.ndjson.gz`, all from the
 * messages themselves, so a redelivery names the same object. Layout: docs/archive.md#layout.
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
