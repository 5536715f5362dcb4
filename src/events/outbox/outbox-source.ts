import { Model, Types } from 'mongoose';
import { EventEntity, RegistryEvent } from '../contract';

/** The fields an entity document carries to take part in the outbox. */
export interface OutboxFields {
  _id: Types.ObjectId;
  /** Sequence of the entity's last event. */
  rev: number;
  /** Events committed with the entity's changes and not yet published. */
  outbox: RegistryEvent[];
}

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
