import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { KafkaMessage } from 'kafkajs';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * One line of an archive object: the message and where it was on the topic,
 * enough to put it back exactly (replay) or to query it in place. `value` is
 * the JSON the message held; a value that is not UTF-8 JSON is kept in
 * `valueBase64` instead, byte for byte. Offsets are strings (Kafka's are 64-bit).
 */
export interface ArchiveRecord {
  topic: string;
  partition: number;
  offset: string;
  /** The message's Kafka timestamp, epoch milliseconds. */
  timestamp: number;
  key: string | null;
  headers: Record<string, string>;
  value?: unknown;
  valueBase64?: string;
}

export function toArchiveRecord(topic: string, partition: number, message: KafkaMessage): ArchiveRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  const record: ArchiveRecord = {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key?.toString() ?? null,
    headers,
  };
  const json = message.value === null ? null : parseJson(message.value);
  if (json === undefined) record.valueBase64 = (message.value as Buffer).toString('base64');
  else record.value = json;
  return record;
}

/** The value's bytes as they were sent (our producer writes JSON.stringify of the envelope). */
export function recordValue(record: ArchiveRecord): Buffer | null {
  if (record.valueBase64 !== undefined) return Buffer.from(record.valueBase64, 'base64');
  return record.value === null || record.value === undefined ? null : Buffer.from(JSON.stringify(record.value));
}

export function encodeObject(lines: readonly string[]): Promise<Buffer> {
  return gzipAsync(lines.join(''));
}

export async function decodeObject(body: Buffer): Promise<ArchiveRecord[]> {
  const text = (await gunzipAsync(body)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ArchiveRecord);
}

function parseJson(value: Buffer): unknown {
  const text = value.toString('utf8');
  // Only values that come back byte for byte: replay must republish exactly what was sent.
  if (!Buffer.from(text, 'utf8').equals(value)) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return JSON.stringify(parsed) === text ? parsed : undefined;
  } catch {
    return undefined;
  }
}
