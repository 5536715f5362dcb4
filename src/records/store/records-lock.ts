import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { EntityLocks } from '../../common/locks/entity-locks';

/** A records write keeps its lock alive at least this often. */
const LOCK_RENEW_MS = 10_000;

/**
 * One change of a dataset's points at a time — a write, a delete, sealing or
 * deleting a version — so that what one of them reads as current is still
 * current when it commits, and no bucket a version holds is deleted under it.
 */
@Injectable()
export class RecordsLock {
  constructor(private readonly locks: EntityLocks) {}

  /** Runs `work` holding the dataset's records lock; `renew` keeps it alive as a long change goes on. */
  run<T>(id: Types.ObjectId, purpose: string, work: (renew: () => Promise<void>) => Promise<T>): Promise<T> {
    return this.locks.withLock(`records:${id.toHexString()}`, { purpose }, async (lock) => {
      let renewedAt = Date.now();
      const renew = async (): Promise<void> => {
        if (Date.now() - renewedAt < LOCK_RENEW_MS) return;
        renewedAt = Date.now();
        await this.locks.extend(lock);
      };
      return work(renew);
    });
  }
}
