import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { EntityKey, entityKey } from './entity-key';
import { EventActor, EventData, EventEntity, EventType } from '../contract';
import { newEvent, OutboxEvent } from './event-factory';
import { EventOrigin } from '../../telemetry/trace-context';
import { keyOf, OutboxMarkersRepository } from './outbox-markers.repository';
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
 * stored in one single-document write; a marker written after it, carrying a
 * copy of the event, tells the OutboxRelay there is work (see docs/outbox.md).
 */
@Injectable()
export class Outbox {
  /** Events written and not marked yet, by entity key: what `track`, whose calls name entities, marks for them. */
  private readonly unmarked = new Map<string, OutboxEvent[]>();

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
    this.written([event]);
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
    const storedIds = new Set(stored.map(({ _id }) => _id.toHexString()));
    this.written(events.filter((event) => storedIds.has(event.entityId)));
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

  /** Runs `work`, a write of many changes to come, as one the relay's bookkeeping makes way for (OutboxRelay.writing). */
  writing<T>(work: () => Promise<T>): Promise<T> {
    return this.relay.writing(work);
  }

  /**
   * Marks the events just written to these entities, each marker with its copy (after their write), and
   * wakes the relay: recordChange's last step. An entity named without events written here is marked
   * whole: the relay then reads its outbox.
   */
  async track(entity: EventEntity, ids: readonly Types.ObjectId[]): Promise<void> {
    const events: OutboxEvent[] = [];
    const whole = new Set<EntityKey>();
    for (const id of ids) {
      const key = entityKey(entity, id);
      const written = this.unmarked.get(key);
      this.unmarked.delete(key);
      if (written) events.push(...written);
      else whole.add(key);
    }
    if (events.length > 0) await this.markers.mark(events);
    if (whole.size > 0) await this.markers.markEntities([...whole]);
    this.relay.wake();
  }

  private written(events: readonly OutboxEvent[]): void {
    for (const event of events) this.unmarked.set(keyOf(event), [...(this.unmarked.get(keyOf(event)) ?? []), event]);
  }
}

function toEvent<T extends EventType>({ type, id, sequence, data, ownerId, actor, origin }: Change<T>): OutboxEvent<T> {
  return newEvent(type, id.toHexString(), sequence, data, ownerId, actor, origin);
}
