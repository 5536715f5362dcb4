import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes } from 'mongoose';
import type { OutboxEvent } from './event-factory';

/**
 * "This event waits to go out": one marker per event, written after the entity's write, carrying a copy
 * of the event so the relay publishes from the markers alone (docs/outbox.md). A crash can lose a marker
 * but never an event: the relay's periodic scan recreates lost markers from the entities' outboxes.
 */
@Schema({ collection: 'outbox_markers', versionKey: false })
export class OutboxMarker {
  /** The event's id; on a marker of an older version, the entity key (it carries no event). */
  @Prop({ type: String, required: true })
  _id: string;

  /** The entity the event tells of, `<entity>:<id>`; absent on a marker of an older version (then `_id`). */
  @Prop({ type: String })
  key?: string;

  @Prop({ required: true })
  since: Date;

  /**
   * The event's copy as one binary value (common/mongo/bson-copy.ts: what FerretDB stores and reads fastest;
   * the relay reads every marker at least once). A relay of the previous version sees no `event` and reads the
   * entity's outbox instead, as for a whole marker: the same events, in order.
   */
  @Prop({ type: Buffer })
  copy?: Buffer;

  /** The copy as a subdocument, on a marker of an earlier version (read as well as `copy`). */
  @Prop({ type: SchemaTypes.Mixed })
  event?: OutboxEvent;

  /**
   * Written by the entity's writer after the write that committed the entity (Outbox.track), so the entity
   * holds nothing back: its `*.created` goes out from the copy alone (docs/outbox.md#the-relay-outboxrelay).
   * Absent on the scan's markers and an older version's.
   */
  @Prop()
  committed?: boolean;

  /** Events waiting, on a marker of an older version only (one marker per entity then). */
  @Prop()
  events?: number;

  /**
   * On a batch marker, the events it marks: one write's many events (a bulk registration's), their copies in `copy` as one
   * `{ events }`, removed together once all are recorded as sent (OutboxMarkersRepository.mark). Absent: one event, or an entity.
   */
  @Prop()
  batch?: number;
}

export const OutboxMarkerSchema = SchemaFactory.createForClass(OutboxMarker);

/**
 * "This event went out": written by the relay after a send and before it removes the markers, so an
 * event still in its entity's outbox tells published from lost. Removed once the event is cleared from
 * the entity's outbox (docs/outbox.md).
 */
@Schema({ collection: 'outbox_sent', versionKey: false })
export class OutboxSent {
  /** The event's id. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  key: string;

  @Prop({ required: true })
  at: Date;

  /** The event's copy as one binary value (see OutboxMarker.copy), what `$pullAll` clears from the entity's outbox. */
  @Prop({ type: Buffer })
  copy?: Buffer;

  /** The copy as a subdocument, on a record of an earlier version (read as well as `copy`). */
  @Prop({ type: SchemaTypes.Mixed })
  event?: OutboxEvent;
}

export const OutboxSentSchema = SchemaFactory.createForClass(OutboxSent);
