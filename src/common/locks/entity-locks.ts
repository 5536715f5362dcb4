import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../../config/app-config';
import { LockBusyError } from '../errors/domain-errors';
import { Lease, runUnderLease } from './lease-guard';
import { LocksRepository } from './locks.repository';

export interface HeldLock extends Lease {
  token: string;
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
 *
 * A lock is a lease: withLock renews it every third of its time-to-live
 * while the work runs, so the TTL can be seconds and a killed holder's locks
 * free within that. A holder that could not renew in time, or found its lock
 * taken, is stopped before its next write by the lease guard (lease-guard.ts).
 */
@Injectable()
export class EntityLocks {
  private readonly ttlMs: number;

  constructor(
    private readonly locks: LocksRepository,
    config: AppConfig,
  ) {
    this.ttlMs = config.lockTtlMs;
  }

  /** A lock's time-to-live unless its taker asks for another (LOCK_TTL_SECONDS). */
  get leaseMs(): number {
    return this.ttlMs;
  }

  async withLock<T>(key: string, options: LockOptions, work: (lock: HeldLock) => Promise<T>): Promise<T> {
    const lock = await this.acquire(key, options);
    const stopRenewing = this.keepRenewed(lock, options.ttlMs ?? this.ttlMs);
    try {
      return await runUnderLease(lock, () => work(lock));
    } finally {
      stopRenewing();
      lock.released = true;
      await this.release(lock);
    }
  }

  /** Renews `lock` every third of `ttlMs` until the returned function is called. */
  private keepRenewed(lock: HeldLock, ttlMs: number): () => void {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const renew = async (): Promise<void> => {
      // The expiry counts from before the write: our idea of it is never later than the store's.
      const sentAt = Date.now();
      try {
        if (await this.locks.setExpiry(lock.key, lock.token, new Date(sentAt + ttlMs))) lock.expiresAt = new Date(sentAt + ttlMs);
        else lock.lost = true;
      } catch {
        // The store did not answer: the lease runs out unrenewed and the guard stops the work.
      }
      if (!stopped && !lock.lost) schedule();
    };
    const schedule = (): void => {
      timer = setTimeout(() => void renew(), ttlMs / 3);
      timer.unref();
    };
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  async acquire(key: string, { purpose, waitMs = DEFAULT_WAIT_MS, ttlMs = this.ttlMs }: LockOptions): Promise<HeldLock> {
    const giveUpAt = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const lock: HeldLock = { key, token: randomUUID(), expiresAt: new Date(Date.now() + ttlMs) };
      if (await this.locks.insert({ _id: key, token: lock.token, purpose, expiresAt: lock.expiresAt })) return lock;
      const holder = await this.locks.find(key);
      if (holder && holder.expiresAt.getTime() <= Date.now()) {
        // Its holder died: remove exactly that stale holding (not a fresh one) and try again.
        await this.locks.remove(key, holder.token);
        continue;
      }
      if (Date.now() >= giveUpAt) throw new LockBusyError(`${key} is busy with another change; retry`);
      await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()));
    }
  }

  /** Takes `key` if it is free (or its holder died); otherwise returns null at once. */
  async tryAcquire(key: string, options: Omit<LockOptions, 'waitMs'>): Promise<HeldLock | null> {
    try {
      return await this.acquire(key, { ...options, waitMs: 0 });
    } catch (error) {
      if (error instanceof LockBusyError) return null;
      throw error;
    }
  }

  /**
   * Takes `keys` with one insert for all that are free; the busy ones are
   * then waited for one by one, as acquire() does, and left out if their
   * holder keeps them past `waitMs`. For a batch of short updates (the outbox relay).
   */
  async acquireMany(keys: readonly string[], options: LockOptions): Promise<HeldLock[]> {
    if (keys.length === 0) return [];
    const token = randomUUID();
    const expiresAt = new Date(Date.now() + (options.ttlMs ?? this.ttlMs));
    const busy = await this.locks.insertMany(keys.map((key) => ({ _id: key, token, purpose: options.purpose, expiresAt })));
    const waited = await Promise.all(
      [...busy].map((i) =>
        this.acquire(keys[i], options).catch((error: unknown) => {
          if (error instanceof LockBusyError) return null;
          throw error;
        }),
      ),
    );
    const free: HeldLock[] = keys.filter((_, i) => !busy.has(i)).map((key) => ({ key, token, expiresAt }));
    return [...free, ...waited.filter((lock): lock is HeldLock => lock !== null)];
  }

  async release(lock: HeldLock): Promise<void> {
    await this.locks.remove(lock.key, lock.token);
  }

  /** Releases many holdings at once (those of acquireMany share a token, bar the ones waited for). */
  async releaseMany(locks: readonly HeldLock[]): Promise<void> {
    const byToken = new Map<string, string[]>();
    for (const lock of locks) byToken.set(lock.token, [...(byToken.get(lock.token) ?? []), lock.key]);
    for (const [token, keys] of byToken) {
      await this.locks.removeMany(keys, token);
    }
  }

  /** Pushes the expiry of a held lock further out, for long work such as a cascade. */
  async extend(lock: HeldLock, ttlMs = this.ttlMs): Promise<void> {
    const expiresAt = new Date(Date.now() + ttlMs);
    if (await this.locks.setExpiry(lock.key, lock.token, expiresAt)) lock.expiresAt = expiresAt;
    else lock.lost = true;
  }

  /** Of `keys`, those currently held for `purpose`. */
  async heldFor(keys: readonly string[], purpose: string): Promise<Set<string>> {
    const now = Date.now();
    const holders = await this.locks.findMany(keys);
    return new Set(holders.filter((holder) => holder.purpose === purpose && holder.expiresAt.getTime() > now).map((holder) => holder._id));
  }
}
