import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { insertManyUnique, insertUnique } from '../mongo/unique-inserts';
import { findByIds } from '../mongo/find-by-ids';
import { Lock } from './lock.schema';

/** The one place that touches the `locks` collection (see EntityLocks). */
@Injectable()
export class LocksRepository {
  constructor(@InjectModel(Lock.name) private readonly locks: Model<Lock>) {}

  /**
   * Takes a lock by inserting its holding under the lock's `_id`: the one write
   * that is atomic on every store we run on (FerretDB applies conditional updates
   * as a read then a write). False when someone holds it.
   */
  insert(holding: Lock): Promise<boolean> {
    return insertUnique(this.locks, holding);
  }

  /** Inserts many holdings in one unordered batch; returns the positions already held. */
  insertMany(holdings: Lock[]): Promise<Set<number>> {
    return insertManyUnique(this.locks, holdings);
  }

  find(key: string): Promise<Lock | null> {
    return this.locks.findById(key).lean().exec();
  }

  /** The holdings of `keys` that exist. */
  findMany(keys: readonly string[]): Promise<Lock[]> {
    return findByIds(this.locks, keys);
  }

  /** Removes exactly this holding (a newer holder of the same key keeps theirs). */
  async remove(key: string, token: string): Promise<void> {
    await this.locks.deleteOne({ _id: key, token }).exec();
  }

  async removeMany(keys: readonly string[], token: string): Promise<void> {
    await this.locks.deleteMany({ _id: { $in: keys }, token }).exec();
  }

  /**
   * Moves the expiry of these holdings of one token; returns the keys still held with it. One holding taken by another holder
   * does not cost the others theirs: when fewer matched than asked, the holdings are read to tell which are gone.
   */
  async setExpiryMany(keys: readonly string[], token: string, expiresAt: Date): Promise<Set<string>> {
    const { matchedCount } =
      keys.length === 1
        ? await this.locks.updateOne({ _id: keys[0], token }, { $set: { expiresAt } }).exec()
        : await this.locks.updateMany({ _id: { $in: keys }, token }, { $set: { expiresAt } }).exec();
    if (matchedCount === keys.length) return new Set(keys);
    if (matchedCount === 0) return new Set();
    return new Set((await this.findMany(keys)).filter((holding) => holding.token === token).map((holding) => holding._id));
  }
}
