import { wiredDatasetsService } from './testing/wired-datasets-service';
import { Model, Types } from 'mongoose';
import { trackingOutbox } from '../events/testing/tracking-outbox';
import { DatasetOwners } from '../ownership/dataset-owners';
import { OwnerIndex } from '../ownership/owner-index';
import { driverFindById, findInVia, queryResult } from '../common/testing/mongoose-mocks';
import { strictMock } from '../common/testing/strict-mock';
import { datasetMarksModel, seqKeysModel } from './testing/side-models';
import { DatasetsRepository } from './datasets.repository';
import { OwnedDatasets } from './owned-datasets';
import { Dataset } from './schemas/dataset.schema';
import { storedDataset } from './testing/stored-dataset';
import { principalOf } from '../access/testing/principals';
import { passThroughLocks } from './testing/datasets-service-fixture';

const ownerId = new Types.ObjectId();

function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return storedDataset(ownerId, overrides);
}

/** The user side of the mapping over stored datasets, every dependency strict; `confirmed`: the ids the owner's list confirms. */
function build(stored: Dataset[], updateOne = jest.fn(), confirmed: Dataset[] = []) {
  const byId = new Map(stored.map((d) => [d._id.toHexString(), d]));
  const findById = jest.fn((id: Types.ObjectId) => queryResult(byId.get(id.toHexString()) ?? null));
  const model = strictMock<Model<Dataset>>('Dataset model', {
    findById,
    find: findInVia(findById),
    updateOne,
    collection: { findOne: driverFindById((id) => byId.get(id.toHexString())) },
  });
  const repository = new DatasetsRepository(model, seqKeysModel(), datasetMarksModel());
  const locks = passThroughLocks();
  const outbox = trackingOutbox();
  const ownerIndex = strictMock<OwnerIndex>('OwnerIndex', {
    remove: jest.fn(async () => undefined),
    demote: jest.fn(async () => undefined),
    candidatesHeld: jest.fn(async () => stored.map((d) => d._id)),
    entries: jest.fn(
      async () => new Map([[ownerId.toHexString(), stored.map((d) => ({ _id: d._id, seq: d.seq, confirmed: confirmed.includes(d) }))]]),
    ),
  });
  const datasetOwners = strictMock<DatasetOwners>('DatasetOwners', {});
  const { service, cleanup } = wiredDatasetsService({ repository, locks, outbox, ownerIndex, datasetOwners });
  return { owned: new OwnedDatasets(repository, ownerIndex, service), service, cleanup, findById };
}

describe(OwnedDatasets.name, () => {
  it('counts trashed datasets as held, and says how many are in the trash', async () => {
    const gone = dataset({ state: 'deleted', ownerId: new Types.ObjectId() });
    const { owned } = build([dataset(), dataset({ state: 'trashed', trashedAt: new Date() }), gone]);
    expect(await owned.countHeldBy(ownerId)).toEqual({ total: 2, trashed: 1 });
  });

  it('purges a trashed dataset of the user being deleted, as it does an active one', async () => {
    const trashed = dataset({ state: 'trashed', trashedAt: new Date(), recordSeriesId: 'series-1' });
    const updateOne = jest.fn((_filter: unknown, _update: unknown, _options: unknown) => queryResult({ modifiedCount: 1 }));
    const { service, cleanup } = build([trashed], updateOne);
    await service.releaseFrom(trashed._id, ownerId, { type: 'system', name: 'spec' });
    expect(updateOne).toHaveBeenCalledWith(
      { _id: trashed._id },
      expect.objectContaining({
        $set: expect.objectContaining({ state: 'deleted', ownerId: trashed._id }),
        $unset: { transferTo: 1, transferStartedAt: 1, trashedAt: 1 },
      }),
      { timestamps: false },
    );
    expect(cleanup.dropAll).toHaveBeenCalledWith(trashed);
  });

  describe('idsOwnedBy', () => {
    const stranger = new Types.ObjectId();
    const granted = (d: Dataset): Dataset => ({ ...d, grants: [{ userId: stranger, level: 'read' }] });
    const readIds = (findById: jest.Mock): string[] => findById.mock.calls.map(([id]: [Types.ObjectId]) => id.toHexString());

    it('trusts confirmed entries for an admin and the owner, reading only the others (each checked), by number', async () => {
      const [first, second, trashed] = [dataset({ seq: 2 }), dataset({ seq: 1 }), dataset({ seq: 3, state: 'trashed' })];
      const { owned, findById } = build([first, second, trashed], undefined, [first]);
      for (const viewer of [principalOf(new Types.ObjectId(), { admin: true }), principalOf(ownerId)]) {
        findById.mockClear();
        expect((await owned.idsOwnedBy([ownerId], viewer)).get(ownerId.toHexString())).toEqual([second._id, first._id]);
        expect(readIds(findById).sort()).toEqual([second, trashed].map((d) => d._id.toHexString()).sort());
      }
    });

    it('reads every listed dataset for anyone else, as whether they may read one depends on the dataset', async () => {
      const [shared, private_] = [granted(dataset({ seq: 1 })), dataset({ seq: 2 })];
      const { owned, findById } = build([shared, private_], undefined, [shared, private_]);
      expect((await owned.idsOwnedBy([ownerId], principalOf(stranger))).get(ownerId.toHexString())).toEqual([shared._id]);
      expect(readIds(findById)).toHaveLength(2);
    });

    it("limits confirmed entries to what the caller's token reaches", async () => {
      const [a, b] = [dataset({ seq: 1 }), dataset({ seq: 2 })];
      const { owned, findById } = build([a, b], undefined, [a, b]);
      const limited = principalOf(ownerId, { datasetIds: [b._id.toHexString()] });
      expect((await owned.idsOwnedBy([ownerId], limited)).get(ownerId.toHexString())).toEqual([b._id]);
      expect(findById).not.toHaveBeenCalled();
    });
  });
});
