import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../../config/app-config';
import { LockBusyError } from '../errors/domain-errors';
import { Lease, runUnderLease, runUnderLeases } from './lease-guard';
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
 * Mutual exclusion per entity across requests and instances: lock documents taken by a unique insert,
 * held as leases renewed while the work runs. Why, the keys and their order: docs/architecture.md#locks.
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
    const stopRenewing = this.keepRenewed([lock], options.ttlMs ?? this.ttlMs);
    try {
      return await runUnderLease(lock, () => work(lock));
    } finally {
      stopRenewing();
      lock.released = true;
      await this.release(lock);
    }
  }

  /**
   * withLock for a batch (the outbox relay): takes what acquireMany can of
   * `keys`, renews them together while `work` runs (one update per holding
   * token; a holding found taken is lost alone, the others stay renewed), and
   * stops `work`'s writes if any of them is lost (the guard cannot tell which
   * write depends on which lock).
   */
  async withLocks<T>(keys: readonly string[], options: LockOptions, work: (held: HeldLock[]) => Promise<T>): Promise<T> {
    const held = await this.acquireMany(keys, options);
    const stopRenewing = this.keepRenewed(held, options.ttlMs ?? this.ttlMs);
    try {
      return await runUnderLeases(held, () => work(held));
    } finally {
      stopRenewing();
      for (const lock of held) lock.released = true;
      await this.releaseMany(held);
    }
  }

  /**
   * Renews `held` every third of `ttlMs`, counted from the start of the last renewal (a slow store must not push the next one
   * late), until the returned function is called. Each holding stands alone: one found taken is lost, the others renewed.
   */
  private keepRenewed(held: readonly HeldLock[], ttlMs: number): () => void {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const renew = async (): Promise<void> => {
      const started = Date.now();
      // The expiry counts from before the write: our idea of it is never later than the store's.
      const expiresAt = new Date(started + ttlMs);
      for (const [token, locks] of byToken(held.filter((lock) => !lock.lost))) {
        try {
          const renewed = await this.locks.setExpiryMany(
            locks.map((lock) => lock.key),
            token,
            expiresAt,
          );
          for (const lock of locks) {
            if (renewed.has(lock.key)) lock.expiresAt = expiresAt;
            else lock.lost = true;
          }
        } catch {
          // The store did not answer: these leases run out unrenewed and the guard stops the work; the next token's are still tried.
        }
      }
      if (!stopped && held.some((lock) => !lock.lost)) schedule(Math.max(0, ttlMs / 3 - (Date.now() - started)));
    };
    const schedule = (delayMs: number): void => {
      timer = setTimeout(() => void renew(), delayMs);
      timer.unref();
    };
    if (held.length > 0) schedule(ttlMs / 3);
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
    for (const [token, held] of byToken(locks)) {
      await this.locks.removeMany(
        held.map((lock) => lock.key),
        token,
      );
    }
  }

  /** Pushes the expiry of a held lock further out, for long work such as a cascade. */
  async extend(lock: HeldLock, ttlMs = this.ttlMs): Promise<void> {
    const expiresAt = new Date(Date.now() + ttlMs);
    if ((await this.locks.setExpiryMany([lock.key], lock.token, expiresAt)).has(lock.key)) lock.expiresAt = expiresAt;
    else lock.lost = true;
  }

  /** Of `keys`, those currently held for `purpose`. */
  async heldFor(keys: readonly string[], purpose: string): Promise<Set<string>> {
    const now = Date.now();
    const holders = await this.locks.findMany(keys);
    return new Set(holders.filter((holder) => holder.purpose === purpose && holder.expiresAt.getTime() > now).map((holder) => holder._id));
  }
}

function byToken(locks: readonly HeldLock[]): Map<string, HeldLock[]> {
  const groups = new Map<string, HeldLock[]>();
  for (const lock of locks) groups.set(lock.token, [...(groups.get(lock.token) ?? []), lock]);
  return groups;
}
