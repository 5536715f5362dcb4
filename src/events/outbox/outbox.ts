import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { entityKey } from './entity-key';
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
 * stored in one single-document write; a marker written after it, carrying a
 * copy of the event, tells the OutboxRelay there is work (see docs/outbox.md).
 */
@Injectable()
export class Outbox {
  constructor(
    private readonly markers: OutboxMarkersRepository,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Builds the event of `change`, runs `write` with it — the caller's write of
   * the change and the event together — and, once that write succeeded, marks
   * the event. A write that throws leaves nothing to mark.
   */
  async recordChange<T extends EventType, R>(change: Change<T>, write: (event: OutboxEvent<T>) => Promise<R>): Promise<R> {
    const event = toEvent(change);
    const result = await write(event);
    await this.mark([event]);
    return result;
  }

  /** recordChange for many entities at once: `write` returns the documents it stored, and only their events are marked. */
  async recordChanges<R extends { _id: Types.ObjectId }>(
    changes: readonly Change[],
    write: (events: OutboxEvent[]) => Promise<R[]>,
  ): Promise<R[]> {
    const events = changes.map((change) => toEvent(change));
    const stored = await write(events);
    const storedIds = new Set(stored.map(({ _id }) => _id.toHexString()));
    await this.mark(events.filter((event) => storedIds.has(event.entityId)));
    return stored;
  }

  /**
   * Marks these entities whole, for the events an earlier write left in their outboxes without
   * marking them: the relay then reads their outboxes. Wakes the relay.
   */
  async track(entity: EventEntity, ids: readonly Types.ObjectId[]): Promise<void> {
    if (ids.length === 0) return;
    await this.markers.markEntities(ids.map((id) => entityKey(entity, id)));
    this.relay.wake();
  }

  /** Marks events just written, each marker with its copy (after their write), and wakes the relay: recordChange's last step. */
  private async mark(events: readonly OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.markers.mark(events);
    this.relay.wake();
  }
}

function toEvent<T extends EventType>({ type, id, sequence, data, ownerId, actor, origin }: Change<T>): OutboxEvent<T> {
  return newEvent(type, id.toHexString(), sequence, data, ownerId, actor, origin);
}
