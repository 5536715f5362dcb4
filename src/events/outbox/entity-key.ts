import { Types } from 'mongoose';
import { EVENT_ENTITIES, EventEntity } from '../contract';

/**
 * The one name of a user or dataset outside its own collection: `user:<hex id>`
 * or `dataset:<hex id>`. Its lock and its outbox marker go by it, so the relay
 * that clears a marker under the entity's lock is sure to name the same thing.
 */
export type EntityKey = `${EventEntity}:${string}`;

export function entityKey(entity: EventEntity, id: Types.ObjectId): EntityKey {
  return `${entity}:${id.toHexString()}`;
}

/** The entity a key names, or undefined for anything that is not an entity key. */
export function parseEntityKey(key: string): { entity: EventEntity; id: Types.ObjectId } | undefined {
  const [entity, hex, ...rest] = key.split(':');
  if (rest.length > 0 || !EVENT_ENTITIES.includes(entity as EventEntity) || !/^[0-9a-f]{24}$/.test(hex ?? '')) return undefined;
  return { entity: entity as EventEntity, id: new Types.ObjectId(hex) };
}
