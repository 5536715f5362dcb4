import { NotFoundError, UnprocessableError } from '../common/errors/domain-errors';
import { Types } from 'mongoose';
import { driverFindById, findInVia, queryResult } from '../common/testing/mongoose-mocks';
import { DatasetsService } from './datasets.service';
import { adminPrincipal } from '../access/testing/principals';
import { buildDatasetsService as build, dataset, ownerId } from './testing/datasets-service-fixture';

describe(DatasetsService.name, () => {
  describe('update', () => {
    it('transfers under the dataset lock: mark, check the new owner, move', async () => {
      const current = dataset();
      const to = new Types.ObjectId();
      const updateOne = jest.fn(() => queryResult({ modifiedCount: 1 }));
      const assertAvailable = jest.fn(async () => undefined);
      const { service, locks } = build({ collection: { findOne: driverFindById(() => current) }, updateOne }, { assertAvailable });

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
        { findOne: jest.fn(() => queryResult(current)), collection: { findOne: driverFindById(() => current) }, updateOne },
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
      const { service } = build({ collection: { findOne: driverFindById(() => current) }, updateOne });
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
      const readById = jest.fn((id: Types.ObjectId) => queryResult(byId.get(id.toHexString()) ?? null));
      const { owned: service } = build(
        {
          deleteOne: jest.fn((filter: { _id: Types.ObjectId }) => {
            byId.delete(filter._id.toHexString());
            return deleteOne(filter);
          }),
          findById: readById,
          find: findInVia(readById),
          collection: { findOne: driverFindById((id) => byId.get(id.toHexString())) },
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
