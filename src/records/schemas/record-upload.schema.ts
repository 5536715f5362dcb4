import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * The paperwork of one records write in progress: what it has written so far
 * and what it will make obsolete. If the process dies, the janitor reads it:
 * a write whose series was committed leaves `oldIds` to delete, any other
 * leaves `newIds` — so a crash loses neither data nor disk space.
 */
@Schema({ collection: 'record_uploads', versionKey: false })
export class RecordUpload {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  datasetId: string;

  /** The series this write commits, once it does. */
  @Prop({ required: true })
  seriesId: string;

  /** Documents written by this write (its buckets and series). */
  @Prop({ type: [String], default: [] })
  newIds: string[];

  /** Documents this write replaces (the previous series and the buckets it rewrote). */
  @Prop({ type: [String], default: [] })
  oldIds: string[];

  /** Refreshed as the write goes on; a write untouched for long is abandoned. */
  @Prop({ required: true })
  touchedAt: Date;
}

export const RecordUploadSchema = SchemaFactory.createForClass(RecordUpload);
// The records janitor's sweep for uploads a crash left behind.
RecordUploadSchema.index({ touchedAt: 1 });
