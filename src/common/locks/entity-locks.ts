import { ConflictException, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Model } from 'mongoose';
import { AppConfig } from '../../config/app-config';
import { isDuplicateKeyError } from '../mongo/duplicate-key';
import { findByIds } from '../mongo/find-by-ids';
import { Lock } from './lock.schema';

export interface HeldLock {
  key: string;
  token: string;
  expiresAt: Date;
}

export interface LockOptions {
  purpose: string;
  /** How long the lock outlives a holder that died; LOCK_TTL_SECONDS unless given. */
  ttlMs?: number;
  /** How long to wait for another holder before giving up with 409. */
  waitMs?: number;
}

const DEFAULT_WAIT_MS = 10_000;

/**
 * Mutual exclusion per entity across requests and application instances.
 * Every read-modify-write of one user or dataset runs under its lock, so no
 * two writers interleave on a document — whether the store applies updates
 * atomically (MongoDB) or not (FerretDB/SQLite).
 */
@Injectable()
export class EntityLocks {
  private readonly ttlMs: number;

  constructor(
    @InjectModel(Lock.name) private readonly locks: Model<Lock>,
    config: AppConfig,
  ) {
    this.ttlMs = config.lockTtlMs;
  }

  async withLock<T>(key: string, options: LockOptions, work: (lock: HeldLock) => Promise<T>): Promise<T> {
    const lock = await this.acquire(key, options);
    try {
      return await work(lock);
    } finally {
      await this.release(lock);
    }
  }

  async acquire(key: string, { purpose, waitMs = DEFAULT_WAIT_MS, ttlMs = this.ttlMs }: LockOptions): Promise<HeldLock> {
    const giveUpAt = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const lock: HeldLock = { key, token: randomUUID(), expiresAt: new Date(Date.now() + ttlMs) };
      try {
        await this.locks.collection.insertOne({ _id: key, token: lock.token, purpose, expiresAt: lock.expiresAt } as never);
        return lock;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const holder = await this.locks.findById(key).lean().exec();
      if (holder && holder.expiresAt.getTime() <= Date.now()) {
        // Its holder died: remove exactly that stale holding (not a fresh one) and try again.
        await this.locks.deleteOne({ _id: key, token: holder.token }).exec();
        continue;
      }
      if (Date.now() >= giveUpAt) throw new ConflictException(`${key} is busy with another change; retry`);
      await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()));
    }
  }

  /** Takes `key` if it is free (or its holder died); otherwise returns null at once. */
  async tryAcquire(key: string, options: Omit<LockOptions, 'waitMs'>): Promise<HeldLock | null> {
    try {
      return await this.acquire(key, { ...options, waitMs: 0 });
    } catch (error) {
      if (error instanceof ConflictException) return null;
      throw error;
    }
  }

  async release(lock: HeldLock): Promise<void> {
    await this.locks.deleteOne({ _id: lock.key, token: lock.token }).exec();
  }

  /** Pushes the expiry of a held lock further out, for long work such as a cascade. */
  async extend(lock: HeldLock, ttlMs = this.ttlMs): Promise<void> {
    lock.expiresAt = new Date(Date.now() + ttlMs);
    await this.locks.updateOne({ _id: lock.key, token: lock.token }, { $set: { expiresAt: lock.expiresAt } }).exec();
  }

  /** Of `keys`, those currently held for `purpose`. */
  async heldFor(keys: readonly string[], purpose: string): Promise<Set<string>> {
    const now = Date.now();
    const holders = await findByIds(this.locks, keys);
    return new Set(
      holders.filter((holder) => holder.purpose === purpose && holder.expiresAt.getTime() > now).map((holder) => holder._id),
    );
  }
}
