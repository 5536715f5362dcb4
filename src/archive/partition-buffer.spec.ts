import { BufferedLine, PartitionBuffer } from './partition-buffer';

const line = (offset: number, hour = '2026-12-01T18', text = `{"o":${offset}}\n`): BufferedLine => ({
  offset,
  hour,
  timestamp: 0,
  line: text,
});
const offsets = (buffer: PartitionBuffer): number[][] => {
  const chunks: number[][] = [];
  for (let chunk = buffer.nextChunk(); chunk; chunk = buffer.nextChunk()) {
    chunks.push(chunk.lines.map((l) => l.offset));
    buffer.stored(chunk);
  }
  return chunks;
};

describe(PartitionBuffer.name, () => {
  const limits = { maxEvents: 3, maxBytes: 1000, maxAgeMs: 5000 };

  it('cuts a chunk every maxEvents messages and keeps the rest open', () => {
    const buffer = new PartitionBuffer(limits);
    for (let offset = 10; offset < 17; offset++) buffer.append(line(offset), 0);
    expect(buffer.pendingEvents).toBe(7);
    expect(offsets(buffer)).toEqual([
      [10, 11, 12],
      [13, 14, 15],
    ]);
    expect(buffer.pendingEvents).toBe(1);
  });

  it('cuts before a message that would pass maxBytes, and at a change of hour', () => {
    const buffer = new PartitionBuffer({ ...limits, maxEvents: 100, maxBytes: 20 });
    buffer.append(line(1, 'h1', 'x'.repeat(8)), 0);
    buffer.append(line(2, 'h1', 'x'.repeat(8)), 0);
    buffer.append(line(3, 'h1', 'x'.repeat(8)), 0); // 24 bytes would pass 20
    buffer.append(line(4, 'h2', 'x'), 0); // another hour
    buffer.sealIfDue(0, true);
    expect(offsets(buffer)).toEqual([[1, 2], [3], [4]]);
  });

  it('seals the open chunk once its first message is maxAgeMs old', () => {
    const buffer = new PartitionBuffer(limits);
    buffer.append(line(1), 1000);
    buffer.append(line(2), 5000);
    buffer.sealIfDue(5999);
    expect(buffer.nextChunk()).toBeUndefined();
    buffer.sealIfDue(6000);
    expect(offsets(buffer)).toEqual([[1, 2]]);
  });

  it('replaces what it holds from an offset Kafka hands again (a rebalance resumes at the committed offset)', () => {
    const buffer = new PartitionBuffer(limits);
    for (const offset of [5, 6, 7, 8]) buffer.append(line(offset), 0);
    for (const offset of [6, 7, 8, 9]) buffer.append(line(offset), 0);
    buffer.sealIfDue(0, true);
    expect(offsets(buffer)).toEqual([[5], [6, 7, 8], [9]]);
  });

  it('skips what an object found in storage already holds, here and when handed again', () => {
    const buffer = new PartitionBuffer(limits);
    for (const offset of [20, 21, 22, 23, 24]) buffer.append(line(offset), 0);
    buffer.storedElsewhere(22);
    expect(buffer.pendingEvents).toBe(2);
    buffer.append(line(21), 0);
    buffer.append(line(22), 0);
    expect(buffer.pendingEvents).toBe(2);
    buffer.sealIfDue(0, true);
    expect(offsets(buffer)).toEqual([[23, 24]]);
  });

  it('skips messages at or below the last stored offset', () => {
    const buffer = new PartitionBuffer(limits);
    for (const offset of [1, 2, 3]) buffer.append(line(offset), 0);
    expect(offsets(buffer)).toEqual([[1, 2, 3]]);
    buffer.append(line(3), 0);
    buffer.append(line(4), 0);
    buffer.sealIfDue(0, true);
    expect(offsets(buffer)).toEqual([[4]]);
  });
});
