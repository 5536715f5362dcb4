import { Model, Types } from 'mongoose';
import { LeaseLostError } from '../common/errors/domain-errors';
import { runUnderLease } from '../common/locks/lease-guard';
import { duplicateKeyError, queryResult } from '../common/testing/mongoose-mocks';
import { datasetMarksModel, seqKeysModel } from './testing/side-models';
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
    const repository = new DatasetsRepository(
      strictMock<Model<Dataset>>('Dataset model', { collection: { insertOne } }),
      keys,
      datasetMarksModel(),
    );
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
      datasetMarksModel(),
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
      datasetMarksModel(),
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

describe('DatasetsRepository mark notes', () => {
  const id = new Types.ObjectId();
  const event = { id: 'e' } as never;

  /** A repository whose dataset and note writes land in `steps`, in order. */
  function recorded(marks: Record<string, unknown> = {}) {
    const steps: string[] = [];
    const step = (what: string) => jest.fn(() => (steps.push(what), queryResult({})));
    const repository = new DatasetsRepository(
      strictMock<Model<Dataset>>('Dataset model', { updateOne: step('dataset'), deleteMany: step('dataset') }),
      seqKeysModel({ deleteOne: step('seq key') }),
      datasetMarksModel({ updateOne: step('note'), deleteOne: step('drop note'), deleteMany: step('drop note'), ...marks }),
    );
    return { repository, steps };
  }

  it('notes a mark before the write that sets it, and drops it after the write that ends it: a note may outlive its mark, never the reverse', async () => {
    const { repository, steps } = recorded();
    await repository.markTransfer(id, new Types.ObjectId());
    await repository.clearTransferMark(id);
    await repository.markTrashed(id, new Date(), 2, event);
    await repository.markRestored(id, 3, event);
    await repository.markDeleted({ _id: id, seq: 1 } as Dataset, 4, event);
    expect(steps).toEqual([
      'note',
      'dataset',
      'dataset',
      'drop note',
      'note',
      'dataset',
      'dataset',
      'drop note',
      'dataset',
      'seq key',
      'drop note',
    ]);
  });

  it("drops a transfer's note after the write that moves the dataset (which unsets the mark), and only then", async () => {
    const { repository, steps } = recorded();
    const next = { updatedAt: new Date(), rev: 2 } as Dataset;
    await repository.writeChanges(id, { $set: { description: 'x' }, $unset: {} }, next, event);
    await repository.writeChanges(id, { $set: { ownerId: id }, $unset: { transferTo: 1, transferStartedAt: 1 } }, next, event);
    expect(steps).toEqual(['dataset', 'dataset', 'drop note']);
  });

  it('reads what is due from the notes by kind and time, never the datasets', async () => {
    const find = jest.fn(() => queryResult([{ datasetId: id }]));
    const { repository, steps } = recorded({ find });
    const cutoff = new Date();
    expect(await repository.markedBefore('trash', cutoff)).toEqual([id]);
    expect(find).toHaveBeenCalledWith({ kind: 'trash', at: { $lt: cutoff } }, { datasetId: 1 });
    expect(steps).toEqual([]);
  });
});

describe('DatasetsRepository seq keys', () => {
  const stored = storedDataset(ownerId, { seq: 5 });
  const other = storedDataset(ownerId, { seq: 6 });

  /** A repository whose key for 5 names `keyed` (none when undefined), with or without the note that all are keyed. */
  function withKey(keyed: Dataset | undefined, allKeyed: boolean, named = keyed) {
    const findOne = jest.fn(async ({ _id }: { _id: unknown }) => (_id === '5' && keyed ? { _id, datasetId: keyed._id } : null));
    const settled = jest.fn(async ({ _id }: { _id: unknown }) => (_id === 'all-keyed' && allKeyed ? { _id } : null));
    const scan = jest.fn(() => queryResult(stored));
    const byId = jest.fn(async ({ _id }: { _id: Types.ObjectId }) => (named && _id.equals(named._id) ? named : null));
    const repository = new DatasetsRepository(
      strictMock<Model<Dataset>>('Dataset model', { collection: { findOne: byId }, findOne: scan }),
      seqKeysModel({}, { findOne }),
      datasetMarksModel({}, { findOne: settled }),
    );
    return { repository, scan };
  }

  it('finds a number through its key, without a scan', async () => {
    const { repository, scan } = withKey(stored, false);
    expect(await repository.findBySeq(5)).toBe(stored);
    expect(scan).not.toHaveBeenCalled();
  });

  it('answers a number without a key with no dataset, without a scan, once all datasets are keyed', async () => {
    const { repository, scan } = withKey(undefined, true);
    expect(await repository.findBySeq(5)).toBeNull();
    expect(scan).not.toHaveBeenCalled();
  });

  it('answers a key naming nothing (a create that failed, a purge) with no dataset, without a scan, once all are keyed', async () => {
    const { repository, scan } = withKey(stored, true, null as never);
    expect(await repository.findBySeq(5)).toBeNull();
    expect(scan).not.toHaveBeenCalled();
  });

  it("reads the datasets by number while older versions' datasets may lack their keys, and where a key names another number", async () => {
    const unkeyed = withKey(undefined, false);
    expect(await unkeyed.repository.findBySeq(5)).toBe(stored);
    expect(unkeyed.scan).toHaveBeenCalledWith({ seq: 5 });
    const wrong = withKey(other, true);
    expect(await wrong.repository.findBySeq(5)).toBe(stored);
    expect(wrong.scan).toHaveBeenCalledWith({ seq: 5 });
  });

  it('backfills the keys datasets lack, then notes that all are keyed; once noted, it reads nothing more', async () => {
    const steps: string[] = [];
    let noted = false;
    const keys = seqKeysModel(
      { find: jest.fn(() => queryResult([{ _id: '5' }])) },
      { insertMany: jest.fn(async (docs: { _id: string }[]) => void steps.push(`keys ${docs.map(({ _id }) => _id).join()}`)) },
    );
    const marks = datasetMarksModel(
      {},
      {
        findOne: jest.fn(async () => (noted ? { _id: 'all-keyed' } : null)),
        updateOne: jest.fn(async (filter: { _id: string }) => void (steps.push(`note ${filter._id}`), (noted = true))),
      },
    );
    const find = jest.fn(() => queryResult([stored, other]));
    const repository = new DatasetsRepository(strictMock<Model<Dataset>>('Dataset model', { find }), keys, marks);

    expect(await repository.backfillSeqKeys()).toBe(1);
    expect(steps).toEqual(['keys 6', 'note all-keyed']);
    expect(find).toHaveBeenCalledWith({ state: { $ne: 'deleted' } }, { _id: 1, seq: 1 });
    expect(await repository.backfillSeqKeys()).toBe(0);
    expect(find).toHaveBeenCalledTimes(1);
  });
});
