import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { BucketSummary } from '../store/buckets';

/**
 * One committed state of a dataset's records: its buckets and their
 * summaries. Immutable; the dataset's `recordSeriesId` names the current one.
 */
@Schema({ collection: 'record_series', versionKey: false })
export class RecordSeries {
  /** `<datasetId>:<upload>` */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  datasetId: string;

  /** Span of every bucket window, milliseconds (fixed when the first point is written). */
  @Prop({ required: true })
  spanMs: number;

  /** In time order: by window `start`, then by `first` within a window split over several buckets. */
  @Prop({ type: [Object], required: true })
  buckets: BucketSummary[];

  @Prop({ required: true })
  createdAt: Date;
}

export const RecordSeriesSchema = SchemaFactory.createForClass(RecordSeries);
