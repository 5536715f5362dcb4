import { ConflictError, DomainError, LockBusyError, UnprocessableError } from '../common/errors/domain-errors';
import { Types } from 'mongoose';
import { duplicateKeyError, queryResult } from '../common/testing/mongoose-mocks';
import { creatingLists } from '../ownership/testing/creating-lists';
import { HeldLists } from '../ownership/owner-index';
import { strictMock } from '../common/testing/strict-mock';
import { DatasetSequence } from './dataset-sequence';
import { DatasetsService } from './datasets.service';
import { adminPrincipal, principalOf } from '../access/testing/principals';
import { buildDatasetsService as build, dataset, ownerId } from './testing/datasets-service-fixture';
import { seqKeysModel } from './testing/side-models';

/** DatasetsService.create over DatasetRegistration: the create protocol's order (docs/architecture.md#the-write-path-post-datasets). */
describe(`${DatasetsService.name} create`, () => {
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
      expect(steps).toEqual(['check owner', 'hold', 'check owner', 'list new', 'insert', 'confirm new', 'mark event', 'release']);
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

    it('claims the numbers while the lists are taken, and lists nothing before they are claimed', async () => {
      const steps: string[] = [];
      let claimed = (_first: number): void => undefined;
      const reserve = jest.fn(() => new Promise<number>((resolve) => (claimed = resolve)));
      const { service } = build(
        { collection: { insertOne: jest.fn(async () => void steps.push('insert')) } },
        { assertAvailable: jest.fn(async () => undefined) },
        { creating: creatingLists((step) => void steps.push(step)) },
        strictMock<DatasetSequence>('DatasetSequence', { reserve }),
      );
      const created = service.create({ ownerId: ownerId.toHexString(), name: 'Power' }, principalOf(ownerId));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(steps).toEqual(['hold']);
      claimed(11);
      await expect(created).resolves.toMatchObject({ seq: 11 });
      expect(steps).toEqual(['hold', 'list new', 'insert', 'confirm new', 'release']);
    });

    it('writes the seq key beside the listing, before the insert, and removes it after a refusal: a dataset never lacks its key', async () => {
      const steps: string[] = [];
      const keys = seqKeysModel(
        { deleteOne: jest.fn((filter: unknown) => (steps.push(`remove key ${JSON.stringify(filter)}`), queryResult({}))) },
        { insertMany: jest.fn(async (docs: { _id: string }[]) => void steps.push(`keys ${docs.map(({ _id }) => _id).join()}`)) },
      );
      const insertOne = jest
        .fn()
        .mockImplementationOnce(async () => void steps.push('insert'))
        .mockImplementationOnce(async () => (steps.push('insert'), Promise.reject(duplicateKeyError())));
      const { service } = build(
        { collection: { insertOne }, findOne: jest.fn(() => queryResult(dataset())) },
        { assertAvailable: jest.fn(async () => undefined) },
        { creating: creatingLists((step) => void steps.push(step)) },
        undefined,
        keys,
      );
      await service.create({ ownerId: ownerId.toHexString(), name: 'Power' }, principalOf(ownerId));
      expect(steps).toEqual(['hold', 'list new', 'keys 7', 'insert', 'confirm new', 'release']);
      steps.length = 0;
      await expect(service.create({ ownerId: ownerId.toHexString(), name: 'Power' }, principalOf(ownerId))).rejects.toBeInstanceOf(
        ConflictError,
      );
      // (The fixture's sequence hands out 7 each time; confirming no dataset writes nothing.)
      expect(steps).toEqual(['hold', 'list new', 'keys 7', 'insert', 'remove key {"_id":"7"}', 'confirm new', 'release']);
    });

    it('writes the confirmation and the marker side by side once the insert is in, holding the lists until all are done', async () => {
      const steps: string[] = [];
      const lists = creatingLists((step) => void steps.push(step));
      const creating = jest.fn(async (owners: Types.ObjectId[], create: (held: HeldLists) => Promise<unknown>) =>
        lists(owners, async (held) => {
          const confirmNew = held.confirmNew.bind(held);
          held.confirmNew = jest.fn(async (datasets: Parameters<HeldLists['confirmNew']>[0]) => {
            await confirmNew(datasets);
            await new Promise((resolve) => setTimeout(resolve, 30));
            steps.push('confirmed');
          });
          return create(held);
        }),
      );
      const { service, outbox } = build(
        { collection: { insertOne: jest.fn(async () => void steps.push('insert')) } },
        { assertAvailable: jest.fn(async () => undefined) },
        { creating },
      );
      outbox.track.mockImplementation(async () => void steps.push('mark event'));
      await service.create({ ownerId: ownerId.toHexString(), name: 'Power' }, principalOf(ownerId));
      expect(steps).toEqual(['hold', 'list new', 'insert', 'confirm new', 'mark event', 'confirmed', 'release']);
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
        const { service } = build({ collection: { insertOne } }, { assertAvailable: jest.fn(async () => undefined) }, { creating });
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

  describe('register (a bulk call)', () => {
    const owners = Array.from({ length: 25 }, () => new Types.ObjectId());
    const missing = owners[3];
    it("holds all the owners' lists at once, reads each owner once (holding them), and numbers only those available, in order", async () => {
      const check = jest.fn(
        async (ids: Types.ObjectId[], _options?: { guard?: boolean }) =>
          new Map(ids.map((id) => [id.toHexString(), id.equals(missing) ? 'missing' : 'available'])),
      );
      const reserve = jest.fn(async (_count: number) => 100);
      const insertMany = jest.fn(async (_docs: unknown[]) => undefined);
      const creating = creatingLists();
      const { registration } = build(
        { collection: { insertMany } },
        { availability: check },
        { creating },
        strictMock<DatasetSequence>('DatasetSequence', { reserve }),
      );
      const registrations = owners.flatMap((owner, i) => [0, 1].map((n) => ({ dto: { name: `d${i}-${n}` }, ownerId: owner })));

      const results = await registration.register(registrations, adminPrincipal());

      expect(creating.mock.calls.map(([held]) => held.length)).toEqual([25]);
      expect(check.mock.calls).toEqual([[owners]]);
      expect(reserve.mock.calls).toEqual([[48]]);
      expect(insertMany.mock.calls.map(([docs]) => docs.length)).toEqual([48]);
      expect(results.filter((result) => result instanceof UnprocessableError)).toHaveLength(2);
      const seqs = results.flatMap((result) => (result instanceof DomainError ? [] : [result.seq]));
      expect(seqs).toEqual(Array.from({ length: 48 }, (_, i) => 100 + i));
    });

    it("numbers a busy list's datasets with the others, in the order given, once they are checked", async () => {
      const [busy, free] = owners;
      const reserve = jest.fn(async (_count: number) => 100);
      const busyOnce = creatingLists(undefined, [busy]);
      const freeLists = creatingLists();
      let tries = 0;
      const creating = jest.fn((...args: Parameters<typeof freeLists>) => (++tries === 1 ? busyOnce : freeLists)(...args));
      const check = jest.fn(async (ids: Types.ObjectId[]) => new Map(ids.map((id) => [id.toHexString(), 'available'])));
      const { registration } = build(
        { collection: { insertOne: jest.fn(async () => undefined) } },
        { availability: check },
        { creating },
        strictMock<DatasetSequence>('DatasetSequence', { reserve }),
      );

      const results = await registration.register(
        [busy, free].map((ownerId, i) => ({ dto: { name: `d${i}` }, ownerId })),
        adminPrincipal(),
      );

      expect(check.mock.calls).toEqual([[[free]], [[busy]]]);
      expect(reserve.mock.calls).toEqual([[2]]);
      expect(results.map((result) => (result instanceof DomainError ? result : result.seq))).toEqual([100, 101]);
    });
  });
});
