import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { EntityLocks } from '../common/locks/entity-locks';
import { LiveUsers } from './live-users';
import { USER_DELETION, userLockKey } from './user-locks';
import { ConflictError, UnprocessableError } from '../common/errors/domain-errors';
import { fieldDetails } from '../common/errors/field-error';

export type OwnerAvailability = 'available' | 'missing' | 'being-deleted';

/**
 * The one place where the datasets side learns about users: whether a user
 * may receive a dataset right now. A user may not while it does not exist or
 * while its deletion holds the user's lock (see UsersService.remove).
 */
@Injectable()
export class DatasetOwners {
  constructor(
    private readonly locks: EntityLocks,
    private readonly users: LiveUsers,
  ) {}

  /**
   * `guard: false` for a look that guards nothing (a create's, before it numbers its datasets; the check holding the owners'
   * lists is the guard): the locks and the users read at once, which may miss a deletion ending in between.
   */
  async availability(ownerIds: readonly Types.ObjectId[], { guard = true } = {}): Promise<Map<string, OwnerAvailability>> {
    const lockKeys = ownerIds.map(userLockKey);
    // Locks first, users second: a deletion that starts after the first read has not deleted the user
    // by the second, and one that ends between them has (it releases its lock only after deleting).
    // A deleted user stays as a tombstone until its last event is published: it counts as missing.
    const [beingDeleted, found] = guard
      ? [await this.locks.heldFor(lockKeys, USER_DELETION), await this.users.liveIds(ownerIds)]
      : await Promise.all([this.locks.heldFor(lockKeys, USER_DELETION), this.users.liveIds(ownerIds)]);
    const result = new Map<string, OwnerAvailability>(ownerIds.map((id) => [id.toHexString(), 'missing']));
    for (const _id of found) {
      result.set(_id.toHexString(), beingDeleted.has(userLockKey(_id)) ? 'being-deleted' : 'available');
    }
    return result;
  }

  /** Throws the client error that explains why `ownerId` cannot own a dataset now. */
  async assertAvailable(ownerId: Types.ObjectId): Promise<void> {
    const availability = (await this.availability([ownerId])).get(ownerId.toHexString());
    if (availability !== 'available') throw ownerUnavailable(ownerId, availability ?? 'missing');
  }
}

export function ownerUnavailable(ownerId: Types.ObjectId, availability: OwnerAvailability): ConflictError | UnprocessableError {
  const id = ownerId.toHexString();
  if (availability === 'being-deleted') {
    return new ConflictError(`user ${id} is being deleted and cannot own datasets`, fieldDetails('ownerId', `user ${id} is being deleted`));
  }
  const message = `ownerId ${id} does not refer to an existing user`;
  return new UnprocessableError(message, fieldDetails('ownerId', message));
}
