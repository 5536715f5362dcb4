import { ConflictError, NotFoundError } from '../common/errors/domain-errors';
import { Model, Types } from 'mongoose';
import { driverFindById, duplicateKeyError, queryResult } from '../common/testing/mongoose-mocks';
import { strictMock } from '../common/testing/strict-mock';
import { EntityLocks, HeldLock } from '../common/locks/entity-locks';
import { DatasetsService } from '../datasets/datasets.service';
import { OwnedDatasets } from '../datasets/owned-datasets';
import { trackingOutbox } from '../events/testing/tracking-outbox';
import { User } from './schemas/user.schema';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { emailTaken } from './user-rules';
import { adminPrincipal } from '../access/testing/principals';

function user(overrides: Partial<User> = {}): User {
  const now = new Date('2026-11-28T12:00:00Z');
  return {
    _id: new Types.ObjectId(),
    name: 'Aaron',
    nameKey: 'aaron',
    email: 'Aaron@Example.com',
    emailKey: 'aaron@example.com',
    attributes: {},
    rev: 1,
    outbox: [],
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

function build(model: Record<string, unknown>, datasets: Partial<Record<keyof OwnedDatasets, unknown>> = {}) {
  const lock: HeldLock = { key: 'user:x', token: 't', expiresAt: new Date() };
  const locks = strictMock<EntityLocks>('EntityLocks', {
    withLock: jest.fn(async (_key: string, _options: unknown, work: (held: HeldLock) => Promise<unknown>) => work(lock)),
    extend: jest.fn(async () => undefined),
  });
  const outbox = trackingOutbox();
  const service = new UsersService(
    new UsersRepository(strictMock<Model<User>>('User model', model)),
    strictMock<DatasetsService>('DatasetsService', {}),
    strictMock<OwnedDatasets>('OwnedDatasets', datasets),
    locks,
    outbox,
  );
  return { service, locks, outbox };
}

describe(UsersService.name, () => {
  describe('create', () => {
    it('stores the lower-cased keys beside the name and e-mail', async () => {
      const insertOne = jest.fn(async () => undefined);
      const { service, outbox } = build({ collection: { insertOne } });
      const created = await service.create({ name: 'Aaron', email: 'Aaron@Example.com' }, adminPrincipal());
      expect(insertOne).toHaveBeenCalledWith(
        expect.objectContaining({
          nameKey: 'aaron',
          emailKey: 'aaron@example.com',
          // The event is written in the same insert as the user.
          outbox: [expect.objectContaining({ type: 'user.created', sequence: 1, entityId: created.id })],
        }),
      );
      expect(outbox.track).toHaveBeenCalledWith('user', [expect.any(Types.ObjectId)]);
      expect(created).toMatchObject({ name: 'Aaron', email: 'Aaron@Example.com', datasetIds: [], datasetCount: 0 });
      expect(created).not.toHaveProperty('_id');
    });

    it('turns a duplicate e-mail into 409 naming the field', async () => {
      const { service } = build({ collection: { insertOne: jest.fn(async () => Promise.reject(duplicateKeyError())) } });
      await expect(service.create({ name: 'A', email: 'a@b.io' }, adminPrincipal())).rejects.toMatchObject({
        details: [{ field: 'email' }],
      });
    });

    describe('side by side', () => {
      const both = (service: UsersService) =>
        Promise.allSettled([
          service.create({ name: 'A', email: 'a@b.io' }, adminPrincipal()),
          service.create({ name: 'B', email: 'B@b.io' }, adminPrincipal()),
        ]);

      it('inserts the users of creates running side by side in one unordered insert, and tracks each', async () => {
        const insertMany = jest.fn(async () => undefined);
        const { service, outbox } = build({ collection: { insertMany } });
        const [a, b] = await both(service);
        expect([a.status, b.status]).toEqual(['fulfilled', 'fulfilled']);
        expect(insertMany).toHaveBeenCalledTimes(1);
        expect(insertMany).toHaveBeenCalledWith(
          [expect.objectContaining({ emailKey: 'a@b.io' }), expect.objectContaining({ emailKey: 'b@b.io' })],
          { ordered: false },
        );
        expect(outbox.track).toHaveBeenCalledTimes(2);
      });

      it('refuses only the create whose e-mail is taken, with the 409 a lone create gets', async () => {
        const refusal = Object.assign(new Error('bulk'), { writeErrors: [{ index: 1, code: 11000, errmsg: 'E11000 duplicate key' }] });
        const { service, outbox } = build({ collection: { insertMany: jest.fn(async () => Promise.reject(refusal)) } });
        const [a, b] = await both(service);
        expect(a.status).toBe('fulfilled');
        expect(b).toEqual({ status: 'rejected', reason: emailTaken('B@b.io') });
        expect(b.status === 'rejected' && b.reason).toBeInstanceOf(ConflictError);
        expect(outbox.track).toHaveBeenCalledTimes(1);
      });

      it("fails a create whose user the store refused otherwise with that refusal, and the whole write's failure every create", async () => {
        const refusal = Object.assign(new Error('bulk'), { writeErrors: [{ index: 0, code: 2, errmsg: 'bad value' }] });
        const refused = await both(build({ collection: { insertMany: jest.fn(async () => Promise.reject(refusal)) } }).service);
        expect(refused.map(({ status }) => status)).toEqual(['rejected', 'fulfilled']);
        expect(refused[0].status === 'rejected' && refused[0].reason).toMatchObject({ code: 2, message: 'bad value' });

        const down = new Error('store down');
        const failed = await both(build({ collection: { insertMany: jest.fn(async () => Promise.reject(down)) } }).service);
        expect(failed).toEqual([
          { status: 'rejected', reason: down },
          { status: 'rejected', reason: down },
        ]);
      });
    });
  });

  describe('createMany', () => {
    it('rejects invalid items and in-request duplicates before writing, and store duplicates after', async () => {
      const insertMany = jest.fn(async () =>
        Promise.reject(Object.assign(new Error('bulk'), { writeErrors: [{ index: 1, code: 11000 }] })),
      );
      const { service } = build({ collection: { insertMany } });
      const summary = await service.createMany(
        [{ name: 'A', email: 'a@x.io' }, { name: 'B' }, { name: 'A again', email: 'A@X.IO' }, { name: 'C', email: 'taken@x.io' }],
        adminPrincipal(),
      );
      expect(insertMany).toHaveBeenCalledWith(
        [expect.objectContaining({ emailKey: 'a@x.io' }), expect.objectContaining({ emailKey: 'taken@x.io' })],
        {
          ordered: false,
        },
      );
      expect(summary.items.map((item) => (item.status === 'created' ? 'created' : item.error.statusCode))).toEqual([
        'created',
        400,
        409,
        409,
      ]);
      expect(summary).toMatchObject({ created: 1, rejected: 3 });
    });
  });

  describe('findOne', () => {
    it('includes the ids of the datasets the user owns', async () => {
      const found = user();
      const datasetId = new Types.ObjectId();
      const { service } = build(
        { collection: { findOne: driverFindById(() => found) } },
        { idsOwnedBy: jest.fn(async () => new Map([[found._id.toHexString(), [datasetId]]])) },
      );
      expect(await service.findOne(found._id, adminPrincipal())).toMatchObject({ datasetIds: [datasetId.toHexString()], datasetCount: 1 });
    });

    it('reads the user and the index of their datasets at once', async () => {
      const found = user();
      let release: (value: User) => void = () => undefined;
      const findOne = jest.fn(() => new Promise<User>((resolve) => (release = resolve)));
      const idsOwnedBy = jest.fn(async () => new Map<string, Types.ObjectId[]>());
      const { service } = build({ collection: { findOne } }, { idsOwnedBy });
      const answer = service.findOne(found._id, adminPrincipal());
      await new Promise((resolve) => setImmediate(resolve));
      expect(idsOwnedBy).toHaveBeenCalledWith([found._id], expect.anything());
      release(found);
      expect(await answer).toMatchObject({ id: found._id.toHexString(), datasetIds: [] });
    });

    it('answers 404 for an unknown id', async () => {
      const { service } = build({ collection: { findOne: driverFindById(() => null) } }, { idsOwnedBy: jest.fn(async () => new Map()) });
      await expect(service.findOne(new Types.ObjectId(), adminPrincipal())).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('remove', () => {
    it('refuses to delete a user who holds datasets, under the deletion lock', async () => {
      const found = user();
      const deleteOne = jest.fn();
      const { service, locks } = build(
        { collection: { findOne: driverFindById(() => found) }, deleteOne },
        { countHeldBy: jest.fn(async () => ({ total: 3, trashed: 0 })) },
      );
      const refused = service.remove(found._id, false, adminPrincipal());
      await expect(refused).rejects.toThrow(ConflictError);
      await expect(refused).rejects.toThrow(`user ${found._id.toHexString()} owns 3 dataset(s); delete or transfer them first`);
      expect(locks.withLock).toHaveBeenCalledWith(`user:${found._id.toHexString()}`, { purpose: 'delete-user' }, expect.any(Function));
      expect(deleteOne).not.toHaveBeenCalled();
    });

    it('counts datasets in the trash too, saying how many and how to free them', async () => {
      const found = user();
      const { service } = build(
        { collection: { findOne: driverFindById(() => found) }, deleteOne: jest.fn() },
        { countHeldBy: jest.fn(async () => ({ total: 2, trashed: 2 })) },
      );
      await expect(service.remove(found._id, false, adminPrincipal())).rejects.toThrow(
        `user ${found._id.toHexString()} owns 2 dataset(s), 2 of them in the trash (GET /datasets?trashed=true&ownerId=${found._id.toHexString()} lists them; DELETE /datasets/{id}?permanent=true frees one at once); delete or transfer them first, or pass cascade=true`,
      );
    });

    it('with cascade deletes the datasets first, keeping the lock alive, then the user', async () => {
      const found = user();
      const steps: string[] = [];
      const { service, locks } = build(
        {
          collection: { findOne: driverFindById(() => found) },
          updateOne: jest.fn((_filter: unknown, update: { $set: { emailKey: string }; $push: { outbox: { type: string } } }) => {
            steps.push(`tombstone ${update.$set.emailKey} with ${update.$push.outbox.type}`);
            return queryResult({ modifiedCount: 1 });
          }),
        },
        {
          removeAllOwnedBy: jest.fn(async (_id: Types.ObjectId, _actor: unknown, progress: () => Promise<void>) => {
            await progress();
            steps.push('delete datasets');
          }),
        },
      );
      await service.remove(found._id, true, adminPrincipal());
      expect(steps).toEqual(['delete datasets', `tombstone deleted:${found._id.toHexString()} with user.deleted`]);
      expect(locks.extend).toHaveBeenCalled();
    });
  });
});
