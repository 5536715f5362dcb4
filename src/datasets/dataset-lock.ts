import { Types } from 'mongoose';
import { EntityKey, entityKey } from '../events/outbox/entity-key';

/** Every change of an existing dataset holds its lock (see EntityLocks). */
export const CHANGE_DATASET = { purpose: 'change-dataset' };

/** The dataset's lock goes by the same key as its outbox marker (see EntityKey). */
export function datasetLockKey(id: Types.ObjectId): EntityKey {
  return entityKey('dataset', id);
}
