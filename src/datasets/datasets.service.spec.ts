import { wiredDatasetsService } from './testing/wired-datasets-service';
import { ConflictError, LockBusyError, NotFoundError, UnprocessableError } from '../common/errors/domain-errors';
import { Model, Types } from 'mongoose';
import { duplicateKeyError, queryResult } from '../common/testing/mongoose-mocks';
import { strictMock } from '../common/testing/strict-mock';
import { seqKeysModel } from './testing/seq-keys-model';
import { creatingLists } from '../ownership/testing/creating-lists';
import { EntityLocks } from '../common/locks/entity-locks';
import { DatasetOwners } from '../ownership/dataset-owners';
import { trackingOutbox } from '../events/testing/tracking-outbox';
import { OwnerIndex } from '../ownership/owner-index';
import { OwnedDatasets } from './owned-datasets';
import { DatasetsRepository } from './datasets.repository';
import { DatasetsService } from './datasets.service';
import { Dataset } from './schemas/dataset.schema';
import { storedDataset } from './testing/stored-dataset';
import { adminPrincipal, principalOf } from '../access/testing/principals';

const ownerId = new Types.ObjectId();

function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return storedDataset(ownerId, overrides);
}

/** Builds the service with every dependency strict; tests pass only the model methods they expect. */
function build(
  model: Record<string, unknown>,
  owners: Partial<Record<keyof DatasetOwners, unknown>> = {},
  indexMethods: Partial<Record<keyof OwnerIndex, unknown>> = {},
) {
  const locks = strictMock<EntityLocks>('EntityLocks', {
    withLock: jest.fn(async (_key: string, _options: unknown, work: () => Promise<unknown>) => work()),
  });
  const outbox = trackingOutbox();
  const ownerIndex = strictMock<OwnerIndex>('OwnerIndex', {
    add: jest.fn(async () => undefined),
    remove: jest.fn(async () => undefined),
    demote: jest.fn(async () => undefined),
    confirm: jest.fn(async () => undefined),
    creating: creatingLists(),
    candidatesHeld: jest.fn(async () => []),
    entries: jest.fn(async () => new Map()),
    ...indexMethods,
  });
  const repository = new DatasetsRepository(strictMock<Model<Dataset>>('Dataset model', model), seqKeysModel());
  // These tests state the owner check as assertAvailable; the registration asks for availability.
  const assertAvailable = owners.assertAvailable as ((id: Types.ObjectId) => Promise<void>) | undefined;
  const availability = jest.fn(async ([id]: Types.ObjectId[]) => {
    const available = await (assertAvailable as (id: Types.ObjectId) => Promise<void>)(id).then(
      () => true,
      () => false,
    );
    return new Map([[id.toHexString(), available ? 'available' : 'missing']]);
  });
  const datasetOwners = strictMock<DatasetOwners>('DatasetOwners', assertAvailable ? { availability, ...owners } : owners);
  const { service, cleanup } = wiredDatasetsService({ repository, locks, outbox, ownerIndex, datasetOwners });
  return { service, owned: new OwnedDatasets(repository, ownerIndex, service), locks, outbox, ownerIndex, cleanup };
}

describe(DatasetsService.name, () => {
  describe('create', () => {
    it('checks the owner holding its list, lists the dataset, inserts it active with its event, confirms it, then marks the event', async () => {
      const steps: string[] = [];
      const insertOne = jest.fn(async () => void steps.push('insert'));
      const assertAvailable = jest.fn(async () => void steps.push('check owner'));
      const { service, outbox } = build(
        { collection: { insertOne } },
        { assertAvailable },
        { creating: creatingLists((step) => void steps.push(step)) },
      );
      outbox.track.mockImplementation(async () => void steps.push('mark event'));

      const created = await service.create({ ownerId: ownerId.toHexString(), name: 'Power' }, principalOf(ownerId));
      expect(steps).toEqual(['hold', 'check owner', 'list new', 'insert', 'confirm new', 'mark event', 'release']);
      expect(insertOne).toHaveBeenCalledWith(
        expect.objectContaining({
          state: 'active',
          seq: 7,
          nameKey: 'power',
          rev: 1,
          // The event rides in the same insert.
          outbox: [
            expect.objectContaining({ type: 'dataset.created', sequence: 1, data: expect.objectContaining({ name: 'Power', seq: 7 }) }),
          ],
        }),
      );
      expect(outbox.track).toHaveBeenCalledWith('dataset', [expect.any(Types.ObjectId)]);
      expect(created).toMatchObject({ seq: 7, ownerId: ownerId.toHexString() });
    });

    it('inserts nothing when the owner is unavailable under its list', async () => {
      const insertOne = jest.fn(async () => undefined);
      const { service, outbox } = build(
        { collection: { insertOne } },
        { assertAvailable: jest.fn().mockRejectedValueOnce(new UnprocessableError('no such user')) },
      );
      await expect(service.create({ ownerId: ownerId.toHexString(), name: 'x' }, principalOf(ownerId))).rejects.toBeInstanceOf(
        UnprocessableError,
      );
      expect(insertOne).not.toHaveBeenCalled();
      expect(outbox.track).not.toHaveBeenCalled();
    });

    it('answers 409 when the owner already has a dataset of that name', async () => {
      const findOne = jest.fn((_filter: unknown, _projection: unknown) => queryResult(dataset()));
      const { service } = build(
        { collection: { insertOne: jest.fn(async () => Promise.reject(duplicateKeyError())) }, findOne },
        { assertAvailable: jest.fn(async () => undefined) },
      );
      await expect(service.create({ ownerId: ownerId.toHexString(), name: 'Power' }, principalOf(ownerId))).rejects.toThrow(
        'the owner already has a dataset named "Power"',
      );
      expect(findOne).toHaveBeenCalledWith({ ownerId, nameKey: 'power' }, { _id: 1, state: 1, trashedAt: 1 });
    });

    it('answers 409 saying a trashed dataset holds the name, and how to free it', async () => {
      const holder = dataset({ state: 'trashed', trashedAt: new Date('2026-12-01T00:00:00Z') });
      const { service } = build(
        {
          collection: { insertOne: jest.fn(async () => Promise.reject(duplicateKeyError())) },
          findOne: jest.fn(() => queryResult(holder)),
        },
        { assertAvailable: jest.fn(async () => undefined) },
      );
      const refused = service.create({ ownerId: ownerId.toHexString(), name: 'power' }, principalOf(ownerId));
      await expect(refused).rejects.toBeInstanceOf(ConflictError);
      await expect(refused).rejects.toThrow(
        `a trashed dataset of the owner holds the name "power" until it is purged at 2026-12-31T00:00:00.000Z; restore it with POST /datasets/${holder._id.toHexString()}/restore, or free the name at once with DELETE /datasets/${holder._id.toHexString()}?permanent=true`,
      );
    });

    it("answers 409 (retry) when the owner's list stays busy for the lock wait, inserting nothing", async () => {
      jest.useFakeTimers();
      try {
        const insertOne = jest.fn(async () => undefined);
        const creating = creatingLists(undefined, [ownerId]);
        const { service } = build({ collection: { insertOne } }, {}, { creating });
        const refused = expect(service.create({ ownerId: ownerId.toHexString(), name: 'x' }, principalOf(ownerId))).rejects.toBeInstanceOf(
          LockBusyError,
        );
        await jest.advanceTimersByTimeAsync(10_500);
        await refused;
        expect(insertOne).not.toHaveBeenCalled();
        // Tried again and again meanwhile, never waiting while holding a list.
        expect(creating.mock.calls.length).toBeGreaterThan(10);
      } finally {
        jest.useRealTimers();
      }
    });

    it("tries a busy owner's list again and creates once it is free", async () => {
      const insertOne = jest.fn(async () => undefined);
      const busyOnce = creatingLists(undefined, [ownerId]);
      const free = creatingLists();
      let tries = 0;
      const creating = jest.fn((...args: Parameters<typeof free>) => (++tries === 1 ? busyOnce : free)(...args));
      const { service } = build({ collection: { insertOne } }, { assertAvailable: jest.fn(async () => undefined) }, { creating });
      await expect(service.create({ ownerId: ownerId.toHexString(), name: 'x' }, principalOf(ownerId))).resolves.toMatchObject({ seq: 7 });
      expect(creating).toHaveBeenCalledTimes(2);
      expect(insertOne).toHaveBeenCalledTimes(1);
    });

    it('runs creates that arrive while one runs together: one lock batch, one insert, one marker write', async () => {
      const other = new Types.ObjectId();
      const insertOne = jest.fn(async () => undefined);
      const insertMany = jest.fn(async () => undefined);
      const creating = creatingLists();
      const { service, outbox } = build(
        { collection: { insertOne, insertMany } },
        {
          availability: jest.fn(async (ids: Types.ObjectId[]) => new Map(ids.map((id) => [id.toHexString(), 'available']))),
        },
        { creating },
      );
      const created = await Promise.all(
        [ownerId, other, other].map((owner, i) => service.create({ ownerId: owner.toHexString(), name: `d${i}` }, adminPrincipal())),
      );
      // The first ran alone; the two that came meanwhile ran together, with consecutive numbers.
      expect(creating.mock.calls.map(([owners]) => owners.length)).toEqual([1, 1]);
      expect(insertOne).toHaveBeenCalledTimes(1);
      expect(insertMany).toHaveBeenCalledTimes(1);
      expect(outbox.track).toHaveBeenCalledTimes(2);
      expect(created.map(({ name }) => name)).toEqual(['d0', 'd1', 'd2']);
    });
  });

  describe('update', () => {
    it('transfers under the dataset lock: mark, check the new owner, move', async () => {
      const current = dataset();
      const to = new Types.ObjectId();
      const updateOne = jest.fn(() => queryResult({ modifiedCount: 1 }));
      const assertAvailable = jest.fn(async () => undefined);
      const { service, locks } = build({ findById: jest.fn(() => queryResult(current)), updateOne }, { assertAvailable });

      const moved = await service.update({ id: current._id }, { ownerId: to.toHexString() }, adminPrincipal());
      expect(moved.ownerId).toBe(to.toHexString());
      expect(locks.withLock).toHaveBeenCalledWith(`dataset:${current._id.toHexString()}`, expect.anything(), expect.any(Function));
      expect(updateOne).toHaveBeenNthCalledWith(
        1,
        { _id: current._id },
        { $set: { transferTo: to, transferStartedAt: expect.any(Date) } },
        { timestamps: false },
      );
      expect(assertAvailable).toHaveBeenCalledWith(to);
      expect(updateOne).toHaveBeenNthCalledWith(
        2,
        { _id: current._id },
        {
          $set: { ownerId: to, updatedAt: expect.any(Date), rev: 2 },
          $unset: { transferTo: 1, transferStartedAt: 1 },
          $push: {
            outbox: expect.objectContaining({
              type: 'dataset.transferred',
              sequence: 2,
              ownerId: to.toHexString(),
              data: expect.objectContaining({ fromOwnerId: ownerId.toHexString(), toOwnerId: to.toHexString() }),
            }),
          },
        },
        { timestamps: false },
      );
    });

    it('clears its transfer mark when the new owner cannot take the dataset', async () => {
      const current = dataset();
      const updateOne = jest.fn(() => queryResult({ modifiedCount: 1 }));
      const { service } = build(
        { findOne: jest.fn(() => queryResult(current)), findById: jest.fn(() => queryResult(current)), updateOne },
        { assertAvailable: jest.fn(async () => Promise.reject(new UnprocessableError('no such user'))) },
      );
      await expect(service.update({ seq: 7 }, { ownerId: new Types.ObjectId().toHexString() }, adminPrincipal())).rejects.toBeInstanceOf(
        UnprocessableError,
      );
      expect(updateOne).toHaveBeenLastCalledWith(
        { _id: current._id },
        { $unset: { transferTo: 1, transferStartedAt: 1 } },
        { timestamps: false },
      );
    });

    it('sets and clears fields without touching the owner', async () => {
      const current = dataset({ description: 'old', descriptionKey: 'old' });
      const updateOne = jest.fn(() => queryResult({ modifiedCount: 1 }));
      const { service } = build({ findById: jest.fn(() => queryResult(current)), updateOne });
      const updated = await service.update({ id: current._id }, { description: null, tags: ['a'] }, adminPrincipal());
      expect(updated).not.toHaveProperty('description');
      expect(updateOne).toHaveBeenCalledWith(
        { _id: current._id },
        {
          $set: { tags: ['a'], updatedAt: expect.any(Date), rev: 2 },
          $unset: { description: 1, descriptionKey: 1 },
          $push: {
            outbox: expect.objectContaining({ type: 'dataset.updated', data: expect.not.objectContaining({ description: 'old' }) }),
          },
        },
        { timestamps: false },
      );
    });

    it('answers 404 for an unknown dataset', async () => {
      const { service } = build({ findOne: jest.fn(() => queryResult(null)) });
      await expect(service.update({ seq: 99 }, { name: 'x' }, adminPrincipal())).rejects.toThrow(
        new NotFoundError('dataset #99 not found'),
      );
    });
  });

  describe('removeAllOwnedBy', () => {
    it('removes pending datasets, tombstones owned ones under their lock, and cancels transfers to the user', async () => {
      const pending = dataset({ state: 'pending' });
      const owned = dataset();
      const incoming = dataset({ ownerId: new Types.ObjectId(), transferTo: ownerId });
      const deleteOne = jest.fn((_filter?: unknown) => queryResult({ deletedCount: 1 }));
      const byId = new Map([owned, incoming].map((d) => [d._id.toHexString(), d]));
      const updateOne = jest.fn((_filter: unknown, _update: unknown, _options: unknown) => queryResult({ modifiedCount: 1 }));
      byId.set(pending._id.toHexString(), pending);
      const { owned: service } = build(
        {
          deleteOne: jest.fn((filter: { _id: Types.ObjectId }) => {
            byId.delete(filter._id.toHexString());
            return deleteOne(filter);
          }),
          findById: jest.fn((id: Types.ObjectId) => queryResult(byId.get(id.toHexString()) ?? null)),
          updateOne: jest.fn((filter: { _id: Types.ObjectId }, update: { $set?: { state?: string } }, options: unknown) => {
            if (update.$set?.state === 'deleted') byId.delete(filter._id.toHexString());
            if ('$unset' in update && !update.$set) byId.set(filter._id.toHexString(), { ...incoming, transferTo: undefined });
            return updateOne(filter, update, options);
          }),
        },
        {},
        { candidatesHeld: jest.fn(async () => [pending._id, owned._id, incoming._id]) },
      );
      const progress = jest.fn(async () => undefined);

      await service.removeAllOwnedBy(ownerId, { type: 'system', name: 'spec' }, progress);
      expect(deleteOne).toHaveBeenCalledTimes(1);
      expect(updateOne).toHaveBeenCalledWith(
        { _id: owned._id },
        expect.objectContaining({
          $set: expect.objectContaining({ state: 'deleted', ownerId: owned._id, rev: 2 }),
          $push: {
            outbox: expect.objectContaining({
              type: 'dataset.deleted',
              ownerId: ownerId.toHexString(),
              data: { id: owned._id.toHexString(), seq: 7, ownerId: ownerId.toHexString() },
            }),
          },
        }),
        { timestamps: false },
      );
      expect(updateOne).toHaveBeenCalledWith(
        { _id: incoming._id },
        { $unset: { transferTo: 1, transferStartedAt: 1 } },
        { timestamps: false },
      );
      expect(progress).toHaveBeenCalledTimes(3);
    });
  });
});
