import { Model, Types } from 'mongoose';
import { EventEntity } from '../contract';
import { OutboxEntity } from './outbox-entity';

/** An entity document that takes part in the outbox. */
export type OutboxFields = OutboxEntity & { _id: Types.ObjectId };

/**
 * A collection whose documents carry an outbox. `isDeleted` tells a tombstone
 * (kept only until its last events are published, then removed); `isPublishable`
 * holds events back while the document is not committed yet (a pending dataset).
 */
export interface OutboxSource<T extends OutboxFields = OutboxFields> {
  entity: EventEntity;
  model: Model<T>;
  isPublishable(doc: T): boolean;
  isDeleted(doc: T): boolean;
}

export function entityKey(entity: EventEntity, id: Types.ObjectId | string): string {
  return `${entity}:${typeof id === 'string' ? id : id.toHexString()}`;
}
