import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { mongo } from 'mongoose';
import { EVENT_ENTITIES, EVENT_TYPES, EventActor, EventEntity, EventType } from '../contract';

/** What an entry keeps as one binary value (AuditEvent.copy): the event's fields no query filters on, and where it was read from. */
export interface AuditEntryCopy {
  version: number;
  data: Record<string, unknown>;
  meta_string: string;
  actor?: EventActor;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * One consumed event, stored once: its `_id` is the event id, so redelivered duplicates are refused. On their own only the
 * fields the log's filters, scope and order use, and `receivedAt`; the rest in `copy` (FerretDB 1.24 pays per field: ~30% less
 * of its CPU an entry).
 */
@Schema({ collection: 'events', versionKey: false })
export class AuditEvent {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true, enum: EVENT_TYPES })
  type: EventType;

  @Prop({ required: true })
  occurredAt: Date;

  @Prop({ type: String, required: true, enum: EVENT_ENTITIES })
  entity: EventEntity;

  @Prop({ required: true })
  entityId: string;

  @Prop()
  ownerId?: string;

  /** The acting user's id, on its own for filtering (`actorId`) and for showing users their own changes. */
  @Prop()
  actorId?: string;

  @Prop({ required: true })
  sequence: number;

  /** When this instance stored it: on its own, so two logs of the same events (a replay's) compare equal without it. */
  @Prop({ required: true })
  receivedAt: Date;

  /** The rest of the entry (AuditEntryCopy) as one binary value, its BSON (common/mongo/bson-copy.ts): read whole, never queried. */
  @Prop({ type: Buffer })
  copy?: Buffer | mongo.Binary;

  /** The fields below are an earlier version's entry, each on its own (read as well as `copy`). */
  @Prop()
  version?: number;

  /** Who made the change, when the event says (see the contract's EventActor). */
  @Prop({ type: Object })
  actor?: EventActor;

  /** The event's data as one binary value (its BSON). */
  @Prop({ type: Buffer })
  dataCopy?: Buffer | mongo.Binary;

  /** The data as a subdocument, on an entry older still. */
  @Prop({ type: Object })
  data?: Record<string, unknown>;

  @Prop()
  meta_string?: string;

  /** Where it was read from, for tracing a message back to the log. */
  @Prop()
  topic?: string;

  @Prop()
  partition?: number;

  @Prop()
  offset?: string;
}

export const AuditEventSchema = SchemaFactory.createForClass(AuditEvent);
AuditEventSchema.index({ occurredAt: 1, _id: 1 });
AuditEventSchema.index({ entityId: 1, sequence: 1 });
AuditEventSchema.index({ type: 1 });
AuditEventSchema.index({ ownerId: 1 });
AuditEventSchema.index({ actorId: 1 });
