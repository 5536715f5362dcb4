import { LeaseLostError, LockBusyError } from '../errors/domain-errors';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertLeasesHeld } from './lease-guard';
import { Model } from 'mongoose';
import { duplicateKeyError, queryResult } from '../testing/mongoose-mocks';
import { strictMock } from '../testing/strict-mock';
import { AppConfig } from '../../config/app-config';
import { EntityLocks } from './entity-locks';
import { LocksRepository } from './locks.repository';
import { Lock } from './lock.schema';

function build(holder: () => Partial<Lock> | null, insertOutcomes: (Error | undefined)[]) {
  const insertOne = jest.fn(async () => {
    const outcome = insertOutcomes.shift();
    if (outcome) throw outcome;
  });
  const deleteOne = jest.fn(() => queryResult({ deletedCount: 1 }));
  const findById = jest.fn(() => queryResult(holder()));
  const model = strictMock<Model<Lock>>('Lock model', { collection: { insertOne }, deleteOne, findById });
  const locks = new EntityLocks(new LocksRepository(model), { lockTtlMs: 30_000 } as AppConfig);
  return { locks, insertOne, deleteOne, findById };
}

describe(EntityLocks.name, () => {
  it('takes a free lock with one insert and releases exactly its own holding', async () => {
    const { locks, insertOne, deleteOne } = build(() => null, [undefined]);
    const result = await locks.withLock('dataset:1', { purpose: 'change-dataset' }, async (lock) => lock.token);
    expect(insertOne).toHaveBeenCalledWith(expect.objectContaining({ _id: 'dataset:1', token: result, purpose: 'change-dataset' }));
    expect(deleteOne).toHaveBeenCalledWith({ _id: 'dataset:1', token: result });
  });

  it('releases the lock when the work fails', async () => {
    const { locks, deleteOne } = build(() => null, [undefined]);
    await expect(locks.withLock('k', { purpose: 'p' }, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(deleteOne).toHaveBeenCalledTimes(1);
  });

  it('takes over a lock whose holder died, removing only that stale holding', async () => {
    const stale = { _id: 'k', token: 'dead', expiresAt: new Date(Date.now() - 1000) };
    const { locks, deleteOne, insertOne } = build(() => stale, [duplicateKeyError(), undefined]);
    await locks.acquire('k', { purpose: 'p' });
    expect(deleteOne).toHaveBeenCalledWith({ _id: 'k', token: 'dead' });
    expect(insertOne).toHaveBeenCalledTimes(2);
  });

  it('waits for a live holder and gives up with 409 after waitMs', async () => {
    const live = { _id: 'k', token: 'other', expiresAt: new Date(Date.now() + 60_000) };
    const { locks, deleteOne } = build(() => live, Array(100).fill(duplicateKeyError()));
    await expect(locks.acquire('k', { purpose: 'p', waitMs: 50 })).rejects.toBeInstanceOf(LockBusyError);
    expect(deleteOne).not.toHaveBeenCalled();
  });

  it('gets the lock once the live holder lets go', async () => {
    let held = true;
    const { locks } = build(
      () => (held ? { _id: 'k', token: 'other', expiresAt: new Date(Date.now() + 60_000) } : null),
      [duplicateKeyError(), duplicateKeyError(), undefined],
    );
    setTimeout(() => (held = false), 20);
    await expect(locks.acquire('k', { purpose: 'p', waitMs: 5_000 })).resolves.toMatchObject({ key: 'k' });
  });

  describe('as a lease', () => {
    function buildRenewing(ttlMs: number, renewal: () => Promise<{ matchedCount: number }>) {
      const insertOne = jest.fn(async () => undefined);
      const deleteOne = jest.fn(() => queryResult({ deletedCount: 1 }));
      const updateOne = jest.fn(() => ({ exec: renewal }));
      const model = strictMock<Model<Lock>>('Lock model', { collection: { insertOne }, deleteOne, updateOne });
      return { locks: new EntityLocks(new LocksRepository(model), { lockTtlMs: ttlMs } as AppConfig), updateOne };
    }

    it('renews the lock every third of its TTL while the work runs, and lets it write past the first expiry', async () => {
      const { locks, updateOne } = buildRenewing(1500, async () => ({ matchedCount: 1 }));
      const firstExpiry = await locks.withLock('dataset:1', { purpose: 'p' }, async (lock) => {
        const initial = lock.expiresAt.getTime();
        await sleep(1800);
        assertLeasesHeld();
        expect(lock.expiresAt.getTime()).toBeGreaterThan(initial);
        return initial;
      });
      expect(updateOne.mock.calls.length).toBeGreaterThanOrEqual(3);
      expect(updateOne).toHaveBeenCalledWith({ _id: 'dataset:1', token: expect.any(String) }, { $set: { expiresAt: expect.any(Date) } });
      expect(firstExpiry).toBeLessThan(Date.now());
      const calls = updateOne.mock.calls.length;
      await sleep(600);
      expect(updateOne).toHaveBeenCalledTimes(calls); // no renewal once released
    });

    it('stops a holder whose lock another holder took before its next write', async () => {
      const { locks } = buildRenewing(1500, async () => ({ matchedCount: 0 }));
      const work = locks.withLock('dataset:1', { purpose: 'p' }, async () => {
        await sleep(700);
        assertLeasesHeld();
      });
      await expect(work).rejects.toThrow(new LeaseLostError('dataset:1 was taken over by another holder; retry'));
    });

    it('renews on a fixed cadence from the start of the last renewal, so a slow store does not let the lease run out', async () => {
      // Each renewal takes 700 ms of a 3 s lease: counted from its end, the next one would start 1.7 s late and the lease would
      // be within LEASE_SAFETY_MS of its expiry from 3 s to 3.4 s.
      const { locks } = buildRenewing(3000, async () => {
        await sleep(700);
        return { matchedCount: 1 };
      });
      await locks.withLock('dataset:1', { purpose: 'p' }, async () => {
        await sleep(3200);
        assertLeasesHeld();
      });
    });

    it('stops a holder that could not renew before its lease ran out', async () => {
      const { locks } = buildRenewing(1500, async () => Promise.reject(new Error('store unreachable')));
      const work = locks.withLock('dataset:1', { purpose: 'p' }, async () => {
        await sleep(600);
        assertLeasesHeld();
      });
      await expect(work).rejects.toBeInstanceOf(LeaseLostError);
    });
  });

  describe('many at once', () => {
    function buildMany(holders: Record<string, Partial<Lock>>, busy: number[]) {
      const insertMany = jest.fn(async () => {
        if (busy.length > 0) {
          throw Object.assign(new Error('bulk write failed'), {
            writeErrors: busy.map((index) => ({ index, code: 11000, errmsg: 'E11000' })),
          });
        }
      });
      const insertOne = jest.fn(async () => {
        throw duplicateKeyError();
      });
      const deleteOne = jest.fn(() => queryResult({ deletedCount: 1 }));
      const deleteMany = jest.fn(() => queryResult({ deletedCount: 1 }));
      const findById = jest.fn((key: string) => queryResult(holders[key] ?? null));
      const model = strictMock<Model<Lock>>('Lock model', { collection: { insertMany, insertOne }, deleteOne, deleteMany, findById });
      return { locks: new EntityLocks(new LocksRepository(model), { lockTtlMs: 30_000 } as AppConfig), insertMany, deleteMany };
    }

    it('takes the free keys with one insert and leaves out those a live holder keeps past waitMs', async () => {
      const live = { _id: 'b', token: 'other', expiresAt: new Date(Date.now() + 60_000) };
      const { locks, insertMany, deleteMany } = buildMany({ b: live }, [1]);
      const held = await locks.acquireMany(['a', 'b', 'c'], { purpose: 'relay', waitMs: 30 });
      expect(insertMany).toHaveBeenCalledTimes(1);
      expect(held.map((lock) => lock.key)).toEqual(['a', 'c']);

      await locks.releaseMany(held);
      expect(deleteMany).toHaveBeenCalledWith({ _id: { $in: ['a', 'c'] }, token: held[0].token });
    });

    it('renews each holding of a batch on its own: one taken by another holder is lost, the others stay renewed', async () => {
      const taken = new Set<string>();
      let token = '';
      const insertMany = jest.fn(async (docs: Lock[]) => void (token = docs[0].token));
      const updateMany = jest.fn((filter: { _id: { $in: string[] } }) =>
        queryResult({ matchedCount: filter._id.$in.filter((key) => !taken.has(key)).length }),
      );
      const find = jest.fn((filter: { _id: { $in: string[] } }) =>
        queryResult(filter._id.$in.map((key) => ({ _id: key, token: taken.has(key) ? 'other' : token }))),
      );
      const deleteMany = jest.fn(() => queryResult({ deletedCount: 2 }));
      const model = strictMock<Model<Lock>>('Lock model', { collection: { insertMany }, updateMany, find, deleteMany });
      const locks = new EntityLocks(new LocksRepository(model), { lockTtlMs: 1500 } as AppConfig);

      await locks.withLocks(['a', 'b', 'c'], { purpose: 'relay' }, async (held) => {
        const initial = held[0].expiresAt.getTime();
        taken.add('b');
        await sleep(1100);
        expect(held.map(({ key, lost }) => [key, lost ?? false])).toEqual([
          ['a', false],
          ['b', true],
          ['c', false],
        ]);
        expect(held[0].expiresAt.getTime()).toBeGreaterThan(initial);
        // The second renewal asks only for the holdings still held.
        expect(updateMany).toHaveBeenLastCalledWith({ _id: { $in: ['a', 'c'] }, token }, { $set: { expiresAt: expect.any(Date) } });
        // The work's writes still stop: the guard cannot tell which of them depended on `b`.
        expect(() => assertLeasesHeld()).toThrow(LeaseLostError);
      });
    });

    it('fails on anything but a duplicate key', async () => {
      const failing = strictMock<Model<Lock>>('Lock model', {
        collection: { insertMany: jest.fn(async () => Promise.reject(new Error('disk full'))) },
      });
      await expect(
        new EntityLocks(new LocksRepository(failing), { lockTtlMs: 30_000 } as AppConfig).acquireMany(['a'], { purpose: 'relay' }),
      ).rejects.toThrow('disk full');
    });
  });
});
