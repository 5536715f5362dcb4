import { Model, Types } from 'mongoose';
import { queryResult } from '../common/testing/mongoose-mocks';
import { seqKeysModel } from './testing/seq-keys-model';
import { strictMock } from '../common/testing/strict-mock';
import { storedDataset } from './testing/stored-dataset';
import { ACTIVATE_BATCH, DatasetsRepository } from './datasets.repository';
import { Dataset } from './schemas/dataset.schema';

type UpdateById = { updateOne: { filter: Record<string, unknown>; update: { $set: { state: string } } } };

const ownerId = new Types.ObjectId();
const pending = (count: number): Dataset[] => Array.from({ length: count }, (_, seq) => storedDataset(ownerId, { seq, state: 'pending' }));

describe(`${DatasetsRepository.name} activate`, () => {
  it('updates many pending datasets by _id alone (no $in, which FerretDB answers by scanning), in batches FerretDB answers', async () => {
    const batches: UpdateById[][] = [];
    const bulkWrite = jest.fn(async (operations: UpdateById[]) => (batches.push(operations), { matchedCount: operations.length }));
    const repository = new DatasetsRepository(strictMock<Model<Dataset>>('Dataset model', { bulkWrite }), seqKeysModel());
    const datasets = pending(2 * ACTIVATE_BATCH + 5);

    const active = await repository.activate(datasets);

    expect(batches.map((batch) => batch.length)).toEqual([ACTIVATE_BATCH, ACTIVATE_BATCH, 5]);
    expect(ACTIVATE_BATCH).toBeLessThan(100);
    const operations = batches.flat();
    expect(operations.map(({ updateOne }) => updateOne.filter)).toEqual(datasets.map(({ _id }) => ({ _id })));
    expect(operations.every(({ updateOne }) => updateOne.update.$set.state === 'active')).toBe(true);
    // All matched: nothing read back, and what is returned is what is stored now.
    expect(active.map(({ _id, state }) => [_id, state])).toEqual(datasets.map(({ _id }) => [_id, 'active']));
  });

  it('reads each dataset back by _id when one did not match (a cascade removed it) and returns only the active ones', async () => {
    const datasets = pending(3);
    const bulkWrite = jest.fn(async () => ({ matchedCount: 2 }));
    const findById = jest.fn((id: Types.ObjectId) =>
      queryResult(id.equals(datasets[1]._id) ? null : { ...datasets.find(({ _id }) => _id.equals(id)), state: 'active' }),
    );
    const repository = new DatasetsRepository(strictMock<Model<Dataset>>('Dataset model', { bulkWrite, findById }), seqKeysModel());

    const active = await repository.activate(datasets);

    expect(findById).toHaveBeenCalledTimes(3);
    expect(active.map(({ _id }) => _id)).toEqual([datasets[0]._id, datasets[2]._id]);
  });

  it('activates a single dataset with one updateOne by _id and no read back', async () => {
    const [dataset] = pending(1);
    const updateOne = jest.fn(() => queryResult({ matchedCount: 1, modifiedCount: 1 }));
    const repository = new DatasetsRepository(strictMock<Model<Dataset>>('Dataset model', { updateOne }), seqKeysModel());

    expect(await repository.activate([dataset])).toEqual([{ ...dataset, state: 'active' }]);
    expect(updateOne).toHaveBeenCalledWith({ _id: dataset._id }, { $set: { state: 'active' } }, { timestamps: false });
  });
});
