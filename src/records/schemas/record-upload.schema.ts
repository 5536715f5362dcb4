import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** A write untouched this long belongs to a process that died (the janitor's threshold). */
export const UPLOAD_ABANDONED_AFTER_MS = 10 * 60_000;

/**
 * The paperwork of one records write in progress: what it may have written so
 * far and what it will make obsolete. If the process dies, the janitor reads it:
 * a write whose series was committed leaves `oldIds` to delete, any other
 * leaves its noted buckets and `newIds` — so a crash loses neither data nor disk space.
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

  /** Documents written by this write, one by one: how uploads of earlier versions listed their buckets. */
  @Prop({ type: [String], default: [] })
  newIds: string[];

  /**
   * Buckets `uploadBucketId(datasetId, _id, n)` for every n below this may have been written: noted ahead in
   * blocks, so some never were (deleting those is harmless). Absent on uploads of earlier versions.
   */
  @Prop()
  bucketIdsNoted?: number;

  /** Documents this write replaces (the previous series and the buckets it rewrote). */
  @Prop({ type: [String], default: [] })
  oldIds: string[];

  /** Refreshed as the write goes on; a write untouched for long is abandoned. */
  @Prop({ required: true })
  touchedAt: Date;
}

/** The id of an upload's `n`-th bucket: known before it is written, so that it can be noted ahead. */
export function uploadBucketId(datasetId: string, uploadId: string, n: number): string {
  return `${datasetId}:${uploadId}:${n}`;
}

/** Every bucket id an upload noted (some perhaps never written). */
export function notedBucketIds(upload: RecordUpload): string[] {
  return Array.from({ length: upload.bucketIdsNoted ?? 0 }, (_, n) => uploadBucketId(upload.datasetId, upload._id, n));
}

export const RecordUploadSchema = SchemaFactory.createForClass(RecordUpload);
// The records janitor's sweep for uploads a crash left behind.
RecordUploadSchema.index({ touchedAt: 1 });
