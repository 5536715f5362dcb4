import { AsyncLocalStorage } from 'node:async_hooks';
import { Schema } from 'mongoose';
import { LeaseLostError } from '../errors/domain-errors';

/** What the guard knows of one held lock: renewed by its holder (see EntityLocks.withLock). */
export interface Lease {
  key: string;
  /** The expiry last written by this holder: past it, another process may have taken the lock. */
  expiresAt: Date;
  /** The lock was found taken by someone else when renewing. */
  lost?: boolean;
  /**
   * Its holder let it go. Work started under the lock but outliving it (a relay
   * round it kicked off, a timer) inherits the context: it no longer depends on the lock.
   */
  released?: boolean;
}

/**
 * A write must finish this long before the lease's expiry. It covers the time
 * from the check to the write reaching the store, and clock skew between
 * instances (expiries are compared with each process's own clock).
 */
export const LEASE_SAFETY_MS = 1000;

const held = new AsyncLocalStorage<readonly Lease[]>();

/** Runs `work` with `lease` added to the leases its writes depend on (nested locks add up). */
export function runUnderLease<T>(lease: Lease, work: () => Promise<T>): Promise<T> {
  return held.run([...(held.getStore() ?? []), lease], work);
}

/** Runs `work` under every one of `leases` at once (a batch of locks taken together). */
export function runUnderLeases<T>(leases: readonly Lease[], work: () => Promise<T>): Promise<T> {
  return held.run([...(held.getStore() ?? []), ...leases], work);
}

/** Throws when a lease the current work runs under is lost or about to expire: the write must not happen. */
export function assertLeasesHeld(now = Date.now()): void {
  for (const lease of held.getStore() ?? []) {
    if (lease.released) continue;
    if (lease.lost) throw new LeaseLostError(`${lease.key} was taken over by another holder; retry`);
    if (lease.expiresAt.getTime() - now < LEASE_SAFETY_MS) throw new LeaseLostError(`${lease.key} could not be renewed in time; retry`);
  }
}

const WRITES = ['updateOne', 'updateMany', 'findOneAndUpdate', 'findOneAndDelete', 'deleteOne', 'deleteMany', 'replaceOne'] as const;

/**
 * Mongoose plugin: every write made under a lock checks the lock's lease
 * first, so a holder that stalled past its lease (a long GC pause, a store
 * that did not answer) stops instead of overwriting the next holder's change.
 * Not for the locks collection itself: releasing a lost lease must still run.
 */
export function leaseGuard(schema: Schema): void {
  if (schema.get('collection') === 'locks') return;
  const check = (): void => assertLeasesHeld();
  for (const operation of WRITES) schema.pre(operation, check);
  schema.pre('save', check);
  schema.pre('insertMany', check);
  schema.pre('bulkWrite', check);
}
