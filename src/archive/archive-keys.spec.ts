import { hourOf, hourStartKey, objectKey, objectStartPrefix, parseObjectKey } from './archive-keys';

describe('archive keys', () => {
  const parts = {
    topic: 'msg_collection',
    partition: 2,
    firstOffset: 123,
    lastOffset: 456,
    hour: hourOf(Date.parse('2026-12-01T18:59:59.999Z')),
  };

  it('lays objects out by date, hour, partition and offsets', () => {
    expect(objectKey('', parts)).toBe('msg_collection/dt=2026-12-01/hour=18/partition=2/000000000123-000000000456.ndjson.gz');
    expect(objectKey('kafka/raw/', parts)).toBe(
      'kafka/raw/msg_collection/dt=2026-12-01/hour=18/partition=2/000000000123-000000000456.ndjson.gz',
    );
  });

  it('reads a key back, with or without a prefix, and ignores other keys', () => {
    expect(parseObjectKey(objectKey('kafka/raw/', parts))).toEqual(parts);
    expect(parseObjectKey('msg_collection/dt=2026-12-01/hour=18/partition=2/')).toBeUndefined();
    expect(parseObjectKey('notes.txt')).toBeUndefined();
  });

  it('finds an object by its first offset alone', () => {
    const prefix = objectStartPrefix('', 'msg_collection', parts.hour, 2, 123);
    expect(objectKey('', parts).startsWith(prefix)).toBe(true);
    expect(objectKey('', { ...parts, firstOffset: 1234 }).startsWith(prefix)).toBe(false);
  });

  it('sorts keys by hour, so a listing can start at an hour', () => {
    const start = hourStartKey('', 'msg_collection', '2026-12-01T18');
    expect(objectKey('', { ...parts, hour: '2026-12-01T17' }) < start).toBe(true);
    expect(objectKey('', parts) > start).toBe(true);
  });
});
