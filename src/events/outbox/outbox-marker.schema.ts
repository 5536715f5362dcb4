import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * "This entity has events waiting in its outbox." Markers let the relay find
 * the work without scanning every user and dataset; they are written after
 * the entity (under its lock), so a crash can lose a marker but never an
 * event — the relay's periodic scan recreates lost markers.
 */
@Schema({ collection: 'outbox_markers', versionKey: false })
export class OutboxMarker {
  /** `<entity>:<id>`, e.g. `dataset:6650…`. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  since: Date;

  /**
   * How many events wait in the entity's outbox: exact in normal operation, set right again by the relay after a crash
   * (docs/outbox.md#counting-the-events-waiting). Absent on markers written by an older version: such a marker counts as 1.
   */
  @Prop()
  events?: number;
}

export const OutboxMarkerSchema = SchemaFactory.createForClass(OutboxMarker);
