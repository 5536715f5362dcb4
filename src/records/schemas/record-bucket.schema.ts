import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Value } from '../points';

/**
 * Points of one dataset in one time window, column by column: all of the
 * window's, or a run of consecutive ones when the window is too large for one
 * document (bucket-size.ts). Buckets are
 * immutable: a write produces new versions (new ids) and commits them all at
 * once by switching the dataset to a new series document.
 */
@Schema({ collection: 'record_buckets', versionKey: false })
export class RecordBucket {
  /** `<datasetId>:<window start>:<upload>:<version>` */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  datasetId: string;

  /** Window start, epoch milliseconds. */
  @Prop({ required: true })
  start: number;

  /** Timestamps, epoch milliseconds, ascending. */
  @Prop({ type: [Number], required: true })
  t: number[];

  /** One array per field, aligned with `t`; null where a point has no value. */
  @Prop({ type: Object, required: true })
  v: Record<string, Value[]>;
}

export const RecordBucketSchema = SchemaFactory.createForClass(RecordBucket);
