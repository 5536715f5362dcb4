import { Model } from 'mongoose';
import { duplicateKeyError, queryResult } from '../common/testing/mongoose-mocks';
import { strictMock } from '../common/testing/strict-mock';
import { DatasetSequence } from './dataset-sequence';
import { SeqBlocksRepository } from './seq-blocks.repository';
import { SeqBlock, seqBlockId } from './schemas/seq-block.schema';

/** A fake block store: a map of claimed blocks, with inserts that fail on a taken first number. */
function build(claimed: Record<number, number> = {}, failures: Error[] = []) {
  const blocks = new Map(Object.entries(claimed).map(([first, end]) => [seqBlockId(Number(first)), end]));
  const insertOne = jest.fn(async (doc: { _id: string; end: number }) => {
    const failure = failures.shift();
    if (failure) throw failure;
    if (blocks.has(doc._id)) throw duplicateKeyError();
    blocks.set(doc._id, doc.end);
  });
  const find = jest.fn(() => {
    const last = [...blocks.keys()].sort().pop();
    return queryResult(last === undefined ? [] : [{ _id: last, end: blocks.get(last) }]);
  });
  const findById = jest.fn((id: string) => queryResult(blocks.has(id) ? { _id: id, end: blocks.get(id) } : null));
  const model = strictMock<Model<SeqBlock>>('SeqBlock model', { find, findById, collection: { insertOne } });
  return { sequence: new DatasetSequence(new SeqBlocksRepository(model)), insertOne, find, blocks };
}

describe(DatasetSequence.name, () => {
  it('starts at 1 and continues after the end of the chain', async () => {
    expect(await build().sequence.reserve()).toBe(1);
    const { sequence, insertOne } = build({ 1: 41 });
    expect(await sequence.reserve(10)).toBe(42);
    expect(insertOne).toHaveBeenCalledWith({ _id: '0000000000000042', end: 51 });
  });

  it('remembers where it ended instead of reading the chain again', async () => {
    const { sequence, find } = build();
    expect([await sequence.reserve(), await sequence.reserve(3), await sequence.reserve()]).toEqual([1, 2, 5]);
    expect(find).toHaveBeenCalledTimes(1);
  });

  it('follows the chain past blocks another instance claimed meanwhile', async () => {
    const { sequence, blocks } = build();
    expect(await sequence.reserve()).toBe(1);
    blocks.set(seqBlockId(2), 4); // another instance took 2..4, then 5..5
    blocks.set(seqBlockId(5), 5);
    expect(await sequence.reserve()).toBe(6);
  });

  it('hands out distinct increasing numbers to concurrent callers', async () => {
    const { sequence } = build({ 1: 1 });
    const numbers = await Promise.all(Array.from({ length: 20 }, () => sequence.reserve()));
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  });

  it('claims the reservations made while a claim is under way as one block, in the order they were made', async () => {
    const { sequence, insertOne } = build({ 1: 1 });
    const numbers = await Promise.all([sequence.reserve(), sequence.reserve(3), sequence.reserve(), sequence.reserve(2)]);
    expect(numbers).toEqual([2, 3, 6, 7]);
    // The first claim went alone; the three that came while it ran share the next block.
    expect(insertOne.mock.calls.map(([block]) => block)).toEqual([
      { _id: seqBlockId(2), end: 2 },
      { _id: seqBlockId(3), end: 8 },
    ]);
  });

  it('does not retry on other errors, and keeps serving afterwards', async () => {
    const { sequence } = build({}, [new Error('connection lost')]);
    await expect(sequence.reserve()).rejects.toThrow('connection lost');
    expect(await sequence.reserve()).toBe(1);
  });
});
