import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { mongo } from 'mongoose';
import { EVENT_ENTITIES, EVENT_TYPES, EventActor, EventEntity, EventType } from '../contract';

/** One consumed event, stored once: its `_id` is the event id, so redelivered duplicates are refused. */
@Schema({ collection: 'events', versionKey: false })
export class AuditEvent {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true, enum: EVENT_TYPES })
  type: EventType;

  @Prop({ required: true })
  version: number;

  @Prop({ required: true })
  occurredAt: Date;

  @Prop({ type: String, required: true, enum: EVENT_ENTITIES })
  entity: EventEntity;

  @Prop({ required: true })
  entityId: string;

  @Prop()
  ownerId?: string;

  /** Who made the change, when the event says (see the contract's EventActor). */
  @Prop({ type: Object })
  actor?: EventActor;

  /** The acting user's id, on its own for filtering (`actorId`) and for showing users their own changes. */
  @Prop()
  actorId?: string;

  @Prop({ required: true })
  sequence: number;

  /** The event's data as one binary value (its BSON, common/mongo/bson-copy.ts): read whole, never queried by its fields. */
  @Prop({ type: Buffer })
  dataCopy?: Buffer | mongo.Binary;

  /** The data as a subdocument, on an entry of an earlier version (read as well as `dataCopy`). */
  @Prop({ type: Object })
  data?: Record<string, unknown>;

  @Prop({ required: true })
  meta_string: string;

  /** Where it was read from, for tracing a message back to the log. */
  @Prop({ required: true })
  topic: string;

  @Prop({ required: true })
  partition: number;

  @Prop({ required: true })
  offset: string;

  @Prop({ required: true })
  receivedAt: Date;
}

export const AuditEventSchema = SchemaFactory.createForClass(AuditEvent);
AuditEventSchema.index({ occurredAt: 1, _id: 1 });
AuditEventSchema.index({ entityId: 1, sequence: 1 });
AuditEventSchema.index({ type: 1 });
AuditEventSchema.index({ ownerId: 1 });
AuditEventSchema.index({ actorId: 1 });
