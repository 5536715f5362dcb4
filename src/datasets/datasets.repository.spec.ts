import { Model, Types } from 'mongoose';
import { LeaseLostError } from '../common/errors/domain-errors';
import { runUnderLease } from '../common/locks/lease-guard';
import { duplicateKeyError } from '../common/testing/mongoose-mocks';
import { seqKeysModel } from './testing/seq-keys-model';
import { strictMock } from '../common/testing/strict-mock';
import { storedDataset } from './testing/stored-dataset';
import { DatasetsRepository } from './datasets.repository';
import { Dataset } from './schemas/dataset.schema';
import { seqKeyId } from './schemas/dataset-seq-key.schema';

const ownerId = new Types.ObjectId();
const fresh = (count: number): Dataset[] => Array.from({ length: count }, (_, seq) => storedDataset(ownerId, { seq, name: `d${seq}` }));

describe(`${DatasetsRepository.name} insertDatasets`, () => {
  it('inserts one dataset with one insert; its seq key follows once it is in', async () => {
    const steps: string[] = [];
    const insertOne = jest.fn(async () => void steps.push('dataset'));
    const keys = seqKeysModel({ collection: { insertMany: jest.fn(async () => void steps.push('seq key')) } });
    const repository = new DatasetsRepository(strictMock<Model<Dataset>>('Dataset model', { collection: { insertOne } }), keys);
    const [dataset] = fresh(1);

    expect(await repository.insertDatasets([dataset])).toEqual(new Set());
    await repository.insertSeqKeys([dataset]);
    expect(steps).toEqual(['dataset', 'seq key']);
  });

  it("writes nothing once the owner's list lease is lost (its deletion may be reading the list)", async () => {
    const insertOne = jest.fn(async () => undefined);
    const insertMany = jest.fn(async () => undefined);
    const repository = new DatasetsRepository(
      strictMock<Model<Dataset>>('Dataset model', { collection: { insertOne, insertMany } }),
      seqKeysModel(),
    );
    const lost = { key: `owner-index:${ownerId.toHexString()}`, expiresAt: new Date(Date.now() + 60_000), lost: true };

    await expect(runUnderLease(lost, () => repository.insertDatasets(fresh(1)))).rejects.toBeInstanceOf(LeaseLostError);
    await expect(runUnderLease(lost, () => repository.insertDatasets(fresh(2)))).rejects.toBeInstanceOf(LeaseLostError);
    expect(insertOne).not.toHaveBeenCalled();
    expect(insertMany).not.toHaveBeenCalled();
  });

  it('inserts many in one unordered batch, keys only those that got in, and returns the positions whose name was taken', async () => {
    const datasets = fresh(3);
    const refused = Object.assign(duplicateKeyError(), { writeErrors: [{ index: 1, code: 11000 }] });
    const insertMany = jest.fn(async () => Promise.reject(refused));
    const keysInsert = jest.fn(async () => undefined);
    const repository = new DatasetsRepository(
      strictMock<Model<Dataset>>('Dataset model', { collection: { insertMany } }),
      seqKeysModel({ collection: { insertMany: keysInsert } }),
    );

    const taken = await repository.insertDatasets(datasets);
    expect([...taken]).toEqual([1]);
    await repository.insertSeqKeys(datasets.filter((_, position) => !taken.has(position)));
    expect(insertMany).toHaveBeenCalledWith(datasets, { ordered: false });
    expect(keysInsert).toHaveBeenCalledWith(
      [datasets[0], datasets[2]].map(({ _id, seq }) => ({ _id: seqKeyId(seq), datasetId: _id })),
      { ordered: false },
    );
  });
});
