import { randomUUID } from 'node:crypto';
import { currentOrigin, EventOrigin } from '../../telemetry/trace-context';
import { EVENT_VERSION, EventActor, EventData, EventEntity, EventType, RegistryEvent } from '../contract';

/**
 * An event as it waits in the outbox: the envelope, and where the change came
 * from (`origin`: the request's trace context and id). The relay sends the
 * origin as Kafka headers, never in the payload.
 */
export type OutboxEvent<T extends EventType = EventType> = RegistryEvent<T> & { origin?: EventOrigin };

const ENTITY_OF: Record<EventType, EventEntity> = {
  'user.created': 'user',
  'user.updated': 'user',
  'user.deleted': 'user',
  'dataset.created': 'dataset',
  'dataset.updated': 'dataset',
  'dataset.transferred': 'dataset',
  'dataset.deleted': 'dataset',
  'dataset.records.appended': 'dataset',
  'dataset.records.deleted': 'dataset',
  'dataset.access.granted': 'dataset',
  'dataset.access.revoked': 'dataset',
  'dataset.trashed': 'dataset',
  'dataset.restored': 'dataset',
  'dataset.version.created': 'dataset',
  'dataset.version.deleted': 'dataset',
  'dataset.tagged': 'dataset',
  'dataset.untagged': 'dataset',
};

/**
 * Builds the envelope of one change. `sequence` is the entity's revision after
 * the change; the event is stored in the same write as the change itself,
 * with the origin of the request (or message) being handled unless given.
 */
export function newEvent<T extends EventType>(
  type: T,
  entityId: string,
  sequence: number,
  data: EventData[T],
  ownerId?: string,
  actor?: EventActor,
  origin = currentOrigin(),
): OutboxEvent<T> {
  const event: OutboxEvent<T> = {
    id: randomUUID(),
    type,
    version: EVENT_VERSION,
    occurredAt: new Date().toISOString(),
    entity: ENTITY_OF[type],
    entityId,
    sequence,
    data: withoutUndefined(data),
    meta_string: DESCRIBE[type](entityId, data),
  };
  // Stored documents must not carry `undefined` (drivers turn it into null).
  if (ownerId !== undefined) event.ownerId = ownerId;
  if (actor !== undefined) event.actor = actor;
  if (origin !== undefined) event.origin = origin;
  return event;
}

function withoutUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The one-line description of each kind of change, in the spirit of the original system's log. */
const DESCRIBE: { [T in EventType]: (id: string, data: EventData[T]) => string } = {
  'user.created': (id, user) => `user_collection is getting updated; ${user.name} with id ${id} is getting appended to user`,
  'user.updated': (id, user) => `user_collection is getting updated; ${user.name} with id ${id} is getting changed`,
  'user.deleted': (id) => `user_collection is getting updated; user with id ${id} is getting removed`,
  'dataset.created': (id, d) =>
    `data_collection is getting updated; ${d.name} (#${d.seq}) with id ${id} is getting appended to user ${d.ownerId}`,
  'dataset.updated': (id, d) => `data_collection is getting updated; ${d.name} (#${d.seq}) with id ${id} is getting changed`,
  'dataset.transferred': (id, t) =>
    `data_collection is getting updated; ${t.dataset.name} (#${t.dataset.seq}) with id ${id} is getting moved from user ${t.fromOwnerId} to user ${t.toOwnerId}`,
  'dataset.deleted': (id, removed) =>
    `data_collection is getting updated; dataset #${removed.seq} with id ${id} is getting removed from user ${removed.ownerId}`,
  'dataset.records.appended': (id, change) =>
    `record_collection is getting updated; ${change.count} points from ${change.from} to ${change.to} are getting appended to dataset ${id}`,
  'dataset.records.deleted': (id, change) =>
    `record_collection is getting updated; ${change.count} points from ${change.from} to ${change.to} are getting removed from dataset ${id}`,
  'dataset.access.granted': (id, change) =>
    `data_collection is getting updated; user ${change.userId} may now ${change.level} dataset ${id}`,
  'dataset.access.revoked': (id, change) =>
    `data_collection is getting updated; user ${change.userId} no longer has access to dataset ${id}`,
  'dataset.trashed': (id, t) =>
    `data_collection is getting updated; ${t.dataset.name} (#${t.dataset.seq}) with id ${id} is getting moved to the trash of user ${t.dataset.ownerId} until ${t.purgeAt}`,
  'dataset.restored': (id, d) =>
    `data_collection is getting updated; ${d.name} (#${d.seq}) with id ${id} is getting restored from the trash of user ${d.ownerId}`,
  'dataset.version.created': (id, v) =>
    `record_collection is getting updated; ${v.count} points of dataset ${id} are getting sealed as version ${v.version} (${v.digest})`,
  'dataset.version.deleted': (id, v) => `record_collection is getting updated; version ${v.version} of dataset ${id} is getting removed`,
  'dataset.tagged': (id, t) =>
    `record_collection is getting updated; tag ${t.tag} of dataset ${id} is getting pointed at version ${t.version}`,
  'dataset.untagged': (id, t) => `record_collection is getting updated; tag ${t.tag} of dataset ${id} is getting removed`,
};
