import type { KafkaMessage } from 'kafkajs';
import { decodeObject, encodeObject, recordValue, toArchiveRecord } from './archive-record';

const message = (value: Buffer | null, extra: Partial<KafkaMessage> = {}): KafkaMessage =>
  ({
    offset: '42',
    timestamp: '1796000000000',
    key: Buffer.from('entity-1'),
    value,
    headers: { 'event-type': Buffer.from('user.created') },
    attributes: 0,
    ...extra,
  }) as unknown as KafkaMessage;

describe('archive records', () => {
  it('keeps a JSON value as JSON, with the position, key and headers', () => {
    const value = Buffer.from(JSON.stringify({ id: 'e1', type: 'user.created' }));
    const record = toArchiveRecord('msg_collection', 2, message(value));
    expect(record).toEqual({
      topic: 'msg_collection',
      partition: 2,
      offset: '42',
      timestamp: 1796000000000,
      key: 'entity-1',
      headers: { 'event-type': 'user.created' },
      value: { id: 'e1', type: 'user.created' },
    });
    expect(recordValue(record)).toEqual(value);
  });

  it('keeps any other value byte for byte in base64', () => {
    for (const bytes of [Buffer.from('not json'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from('{ "spaced": 1 }')]) {
      const record = toArchiveRecord('t', 0, message(bytes));
      expect(record.value).toBeUndefined();
      expect(recordValue(record)).toEqual(bytes);
    }
  });

  it('keeps a tombstone as null', () => {
    const record = toArchiveRecord('t', 0, message(null, { key: null }));
    expect(record).toMatchObject({ key: null, value: null });
    expect(recordValue(record)).toBeNull();
  });

  it('round-trips NDJSON through gzip', async () => {
    const records = [1, 2].map((n) => toArchiveRecord('t', 0, message(Buffer.from(`{"n":${n}}`), { offset: String(n) })));
    const body = await encodeObject(records.map((r) => `${JSON.stringify(r)}\n`));
    expect(body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    await expect(decodeObject(body)).resolves.toEqual(records);
  });
});
