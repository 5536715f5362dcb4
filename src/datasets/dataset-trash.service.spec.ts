import { Model, Types } from 'mongoose';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { trackingOutbox } from '../events/testing/tracking-outbox';
import { OwnerIndex } from '../ownership/owner-index';
import { DatasetPurgeCleanup } from './dataset-purge-cleanup';
import { driverFindById, queryResult } from '../common/testing/mongoose-mocks';
import { strictMock } from '../common/testing/strict-mock';
import { datasetMarksModel, seqKeysModel } from './testing/side-models';
import { adminPrincipal, principalOf } from '../access/testing/principals';
import { DatasetPurge } from './dataset-purge';
import { DatasetTrashService, TRASH_JANITOR } from './dataset-trash.service';
import { DatasetsRepository } from './datasets.repository';
import { Dataset } from './schemas/dataset.schema';
import { storedDataset } from './testing/stored-dataset';
import { passThroughLocks } from './testing/datasets-service-fixture';

const DAY_MS = 24 * 60 * 60 * 1000;
const ownerId = new Types.ObjectId();
const writer = new Types.ObjectId();

function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return storedDataset(ownerId, { grants: [{ userId: writer, level: 'write' }], recordSeriesId: 'series-1', rev: 3, ...overrides });
}

/** The service over one stored dataset, every dependency strict: only the driver's findOne by id and updateOne of the model. */
function build(stored: Dataset) {
  const updateOne = jest.fn((_filter: unknown, _update: unknown, _options: unknown) => queryResult({ modifiedCount: 1 }));
  const model = strictMock<Model<Dataset>>('Dataset model', { collection: { findOne: driverFindById(() => stored) }, updateOne });
  const repository = new DatasetsRepository(model, seqKeysModel(), datasetMarksModel());
  const locks = passThroughLocks();
  const outbox = trackingOutbox();
  const ownerIndex = strictMock<OwnerIndex>('OwnerIndex', {
    remove: jest.fn(async () => undefined),
    demote: jest.fn(async () => undefined),
    confirm: jest.fn(async () => undefined),
  });
  const cleanup = strictMock<DatasetPurgeCleanup>('DatasetPurgeCleanup', { dropAll: jest.fn(async () => undefined) });
  const purge = new DatasetPurge(repository, outbox, ownerIndex, cleanup);
  const service = new DatasetTrashService(repository, locks, outbox, purge, { trash: { retentionDays: 30 } } as AppConfig, ownerIndex);
  return { service, updateOne, cleanup, ownerIndex, outbox };
}

describe(DatasetTrashService.name, () => {
  describe('remove', () => {
    it('moves an active dataset to the trash with dataset.trashed, keeping its owner, name and records', async () => {
      const stored = dataset();
      const { service, updateOne, cleanup, outbox } = build(stored);
      await service.remove({ id: stored._id }, false, principalOf(writer));

      const [filter, update] = updateOne.mock.calls[0] as [
        unknown,
        { $set: { trashedAt: Date }; $push: { outbox: { data: unknown } } },
        unknown,
      ];
      expect(filter).toEqual({ _id: stored._id });
      expect(update).toEqual({
        $set: { state: 'trashed', trashedAt: expect.any(Date), rev: 4 },
        $push: { outbox: expect.objectContaining({ type: 'dataset.trashed', sequence: 4, ownerId: ownerId.toHexString() }) },
      });
      const trashedAt = update.$set.trashedAt;
      expect(update.$push.outbox.data).toEqual({
        dataset: expect.objectContaining({ id: stored._id.toHexString(), ownerId: ownerId.toHexString(), name: 'power' }),
        trashedAt: trashedAt.toISOString(),
        purgeAt: new Date(trashedAt.getTime() + 30 * DAY_MS).toISOString(),
      });
      expect(outbox.track).toHaveBeenCalledWith('dataset', [stored._id]);
      expect(cleanup.dropAll).not.toHaveBeenCalled();
    });

    it('does not trash a dataset twice: a trashed one is not found', async () => {
      const stored = dataset({ state: 'trashed', trashedAt: new Date() });
      const { service, updateOne } = build(stored);
      await expect(service.remove({ id: stored._id }, false, principalOf(ownerId))).rejects.toBeInstanceOf(NotFoundError);
      expect(updateOne).not.toHaveBeenCalled();
    });

    it('lets only the owner or an admin purge at once: a write grantee gets 403, a stranger 404', async () => {
      const stored = dataset();
      const { service, updateOne } = build(stored);
      await expect(service.remove({ id: stored._id }, true, principalOf(writer))).rejects.toBeInstanceOf(ForbiddenError);
      await expect(service.remove({ id: stored._id }, true, principalOf(new Types.ObjectId()))).rejects.toBeInstanceOf(NotFoundError);
      expect(updateOne).not.toHaveBeenCalled();
    });

    it('purges a trashed dataset with permanent: tombstone with dataset.deleted, then its storage dropped', async () => {
      const stored = dataset({ state: 'trashed', trashedAt: new Date() });
      const { service, updateOne, cleanup, ownerIndex } = build(stored);
      await expect(service.remove({ id: stored._id }, true, principalOf(writer))).rejects.toBeInstanceOf(NotFoundError);

      await service.remove({ id: stored._id }, true, principalOf(ownerId));
      expect(updateOne).toHaveBeenCalledWith(
        { _id: stored._id },
        {
          $set: { state: 'deleted', ownerId: stored._id, deletedAt: expect.any(Date), rev: 4 },
          $unset: { transferTo: 1, transferStartedAt: 1, trashedAt: 1 },
          $push: {
            outbox: expect.objectContaining({
              type: 'dataset.deleted',
              data: { id: stored._id.toHexString(), seq: 7, ownerId: ownerId.toHexString() },
            }),
          },
        },
        { timestamps: false },
      );
      expect(ownerIndex.remove).toHaveBeenCalledWith(ownerId, [stored._id]);
      expect(cleanup.dropAll).toHaveBeenCalledWith(stored);
    });
  });

  describe('restore', () => {
    it('brings a trashed dataset back (here for an admin), with dataset.restored', async () => {
      const stored = dataset({ state: 'trashed', trashedAt: new Date() });
      const { service, updateOne } = build(stored);
      const response = await service.restore({ id: stored._id }, adminPrincipal());
      expect(response).toMatchObject({ id: stored._id.toHexString(), name: 'power' });
      expect(response).not.toHaveProperty('trashedAt');
      expect(updateOne).toHaveBeenCalledWith(
        { _id: stored._id },
        {
          $set: { state: 'active', rev: 4 },
          $unset: { trashedAt: 1 },
          $push: {
            outbox: expect.objectContaining({ type: 'dataset.restored', sequence: 4, data: expect.objectContaining({ name: 'power' }) }),
          },
        },
        { timestamps: false },
      );
    });

    it('is a 404 for anyone but the owner and admins, grantees included', async () => {
      const stored = dataset({ state: 'trashed', trashedAt: new Date() });
      const { service, updateOne } = build(stored);
      for (const caller of [writer, new Types.ObjectId()]) {
        await expect(service.restore({ id: stored._id }, principalOf(caller))).rejects.toBeInstanceOf(NotFoundError);
      }
      // A read token of the owner may not write.
      await expect(service.restore({ id: stored._id }, principalOf(ownerId, { scopes: ['read'] }))).rejects.toBeInstanceOf(NotFoundError);
      expect(updateOne).not.toHaveBeenCalled();
    });

    it('is a 409 for an active dataset the caller may read, a 404 for one they may not', async () => {
      const stored = dataset();
      const { service } = build(stored);
      await expect(service.restore({ id: stored._id }, principalOf(writer))).rejects.toBeInstanceOf(ConflictError);
      await expect(service.restore({ id: stored._id }, principalOf(new Types.ObjectId()))).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('purgeExpired', () => {
    it('purges a dataset trashed before the cutoff, by the trash janitor', async () => {
      const stored = dataset({ state: 'trashed', trashedAt: new Date('2026-10-01T00:00:00Z') });
      const { service, updateOne, cleanup } = build(stored);
      expect(await service.purgeExpired(stored._id, new Date('2026-10-02T00:00:00Z'))).toBe(true);
      expect(updateOne).toHaveBeenCalledWith(
        { _id: stored._id },
        expect.objectContaining({ $push: { outbox: expect.objectContaining({ type: 'dataset.deleted', actor: TRASH_JANITOR }) } }),
        { timestamps: false },
      );
      expect(cleanup.dropAll).toHaveBeenCalledWith(stored);
    });

    it('leaves a dataset trashed since the cutoff, or restored meanwhile', async () => {
      for (const stored of [dataset({ state: 'trashed', trashedAt: new Date('2026-10-02T00:00:00Z') }), dataset()]) {
        const { service, updateOne } = build(stored);
        expect(await service.purgeExpired(stored._id, new Date('2026-10-02T00:00:00Z'))).toBe(false);
        expect(updateOne).not.toHaveBeenCalled();
      }
    });

    it('counts retention in days from the configuration', () => {
      const { service } = build(dataset());
      expect(service.cutoffAt(new Date('2026-12-31T00:00:00Z'))).toEqual(new Date('2026-12-01T00:00:00Z'));
    });
  });
});
