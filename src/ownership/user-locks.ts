import { Types } from 'mongoose';
import { EntityKey, entityKey } from '../events/outbox/entity-key';

/** Lock key of one user (see EntityLocks): PATCH and DELETE of the user hold it. */
export function userLockKey(id: Types.ObjectId): EntityKey {
  return entityKey('user', id);
}

/** Purpose of the user's lock while it is being deleted: no dataset may be given to it then. */
export const USER_DELETION = 'delete-user';
export const USER_UPDATE = 'update-user';
