import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { EntityKey, entityKey } from './entity-key';
import { EventActor, EventData, EventEntity, EventType } from '../contract';
import { newEvent, OutboxEvent } from './event-factory';
import { EventOrigin } from '../../telemetry/trace-context';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxRelay } from './outbox-relay';

/** A change of one entity, as its event tells it; `sequence` is the entity's revision after the change. */
export interface Change<T extends EventType = EventType> {
  type: T;
  id: Types.ObjectId;
  sequence: number;
  data: EventData[T];
  ownerId?: string;
  actor?: EventActor;
  /** The request the change comes from, when it is not the one being handled (a create run together with others). */
  origin?: EventOrigin;
}

/**
 * The transactional outbox, without transactions: a change and its event are
 * stored in one single-document write; a marker written after it tells the
 * OutboxRelay there is work (see docs/outbox.md).
 */
@Injectable()
export class Outbox {
  constructor(
    private readonly markers: OutboxMarkersRepository,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Builds the event of `change`, runs `write` with it — the caller's write of
   * the change and the event together — and, once that write succeeded, tracks
   * the event. A write that throws leaves nothing to track.
   */
  async recordChange<T extends EventType, R>(change: Change<T>, write: (event: OutboxEvent<T>) => Promise<R>): Promise<R> {
    const event = toEvent(change);
    const result = await write(event);
    await this.track(event.entity, [change.id]);
    return result;
  }

  /** recordChange for many entities at once: `write` returns the documents it stored, and only their events are tracked. */
  async recordChanges<R extends { _id: Types.ObjectId }>(
    changes: readonly Change[],
    write: (events: OutboxEvent[]) => Promise<R[]>,
  ): Promise<R[]> {
    const events = changes.map((change) => toEvent(change));
    const stored = await write(events);
    const entityOf = new Map(events.map((event) => [event.entityId, event.entity]));
    const byEntity = new Map<EventEntity, Types.ObjectId[]>();
    for (const { _id } of stored) {
      const entity = entityOf.get(_id.toHexString());
      if (!entity) continue;
      const ids = byEntity.get(entity) ?? [];
      ids.push(_id);
      byEntity.set(entity, ids);
    }
    for (const [entity, ids] of byEntity) await this.track(entity, ids);
    return stored;
  }

  /** Marks these entities as having new events, one per mention (after their write), and wakes the relay: recordChange's last step. */
  async track(entity: EventEntity, ids: readonly Types.ObjectId[]): Promise<void> {
    const written = new Map<EntityKey, number>();
    for (const id of ids) {
      const key = entityKey(entity, id);
      written.set(key, (written.get(key) ?? 0) + 1);
    }
    await this.markers.mark([...written].map(([key, events]) => ({ key, events })));
    this.relay.wake();
  }
}

function toEvent<T extends EventType>({ type, id, sequence, data, ownerId, actor, origin }: Change<T>): OutboxEvent<T> {
  return newEvent(type, id.toHexString(), sequence, data, ownerId, actor, origin);
}
