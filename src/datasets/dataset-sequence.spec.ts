import { Model } from 'mongoose';
import { duplicateKeyError, queryResult, strictMock } from '../../test/support/strict-mock';
import { DatasetSequence } from './dataset-sequence';
import { SeqBlock } from './schemas/seq-block.schema';

function build(highestEnds: (number | undefined)[], insertOutcomes: (Error | undefined)[]) {
  const insertOne = jest.fn(async () => {
    const outcome = insertOutcomes.shift();
    if (outcome) throw outcome;
  });
  const find = jest.fn(() => {
    const end = highestEnds.shift();
    return queryResult(end === undefined ? [] : [{ _id: 1, end }]);
  });
  const blocks = strictMock<Model<SeqBlock>>('SeqBlock model', { find, collection: { insertOne } } as never);
  return { sequence: new DatasetSequence(blocks), insertOne, find };
}

describe(DatasetSequence.name, () => {
  it('starts at 1 and claims the block after the highest one', async () => {
    const first = build([undefined], [undefined]);
    expect(await first.sequence.reserve()).toBe(1);
    expect(first.insertOne).toHaveBeenCalledWith({ _id: 1, end: 1 });

    const next = build([41], [undefined]);
    expect(await next.sequence.reserve(10)).toBe(42);
    expect(next.insertOne).toHaveBeenCalledWith({ _id: 42, end: 51 });
  });

  it('reads again and moves past a block another request claimed first', async () => {
    const { sequence, insertOne } = build([5, 8], [duplicateKeyError(), undefined]);
    expect(await sequence.reserve()).toBe(9);
    expect(insertOne.mock.calls).toEqual([[{ _id: 6, end: 6 }], [{ _id: 9, end: 9 }]]);
  });

  it('does not retry on other errors', async () => {
    const { sequence } = build([5], [new Error('connection lost')]);
    await expect(sequence.reserve()).rejects.toThrow('connection lost');
  });
});
