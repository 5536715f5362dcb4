import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { DatasetField } from '../../datasets/dataset-shape';
import type { BucketSummary, SeriesStats } from '../store/buckets';

/** A dataset (and version) a version was made from. */
export interface VersionSource {
  datasetId: string;
  version: number;
}

/**
 * A sealed version of a dataset's points: the bucket list of the series it was
 * sealed from, with the field schema of that moment. Buckets are immutable and
 * never deleted while a version lists them (see VersionsRepository.heldBucketIds), so a version
 * reads the same points for as long as it exists.
 */
@Schema({ collection: 'dataset_versions', versionKey: false })
export class DatasetVersion {
  /** `<datasetId>:v<number>`: a second seal of the same number fails on the unique `_id`. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  datasetId: string;

  /** 1, 2, 3… per dataset. */
  @Prop({ required: true })
  number: number;

  @Prop({ type: [Object], required: true })
  fields: DatasetField[];

  /** In time order, as in RecordSeries. */
  @Prop({ type: [Object], required: true })
  buckets: BucketSummary[];

  @Prop({ type: Object, required: true })
  stats: SeriesStats;

  /** `sha256:<hex>` (see PointsDigest). */
  @Prop({ required: true })
  digest: string;

  @Prop({ required: true })
  createdBy: string;

  @Prop({ required: true })
  createdAt: Date;

  @Prop()
  message?: string;

  @Prop({ type: [Object], default: undefined })
  derivedFrom?: VersionSource[];

  @Prop()
  transform?: string;
}

export const DatasetVersionSchema = SchemaFactory.createForClass(DatasetVersion);
DatasetVersionSchema.index({ datasetId: 1, number: 1 });

/** A name pointing at one version of a dataset (e.g. `train-2026-11`). */
@Schema({ collection: 'dataset_version_tags', versionKey: false })
export class DatasetTag {
  /** `<datasetId>:<name>` */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  datasetId: string;

  @Prop({ required: true })
  name: string;

  @Prop({ required: true })
  version: number;

  @Prop({ required: true })
  createdBy: string;

  @Prop({ required: true })
  createdAt: Date;
}

export const DatasetTagSchema = SchemaFactory.createForClass(DatasetTag);
DatasetTagSchema.index({ datasetId: 1, name: 1 });
