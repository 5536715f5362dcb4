import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument, Types } from 'mongoose';
import { OutboxEntity } from '../../events/outbox/outbox-entity';

export const FIELD_TYPES = ['number', 'string', 'boolean'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** One column of the dataset's time-series records. */
@Schema({ _id: false })
export class DatasetField {
  @Prop({ required: true })
  name: string;

  @Prop({ type: String, required: true, enum: FIELD_TYPES })
  type: FieldType;

  @Prop()
  unit?: string;
}

/** A dataset is pending (being created), active, trashed or deleted (a tombstone). Each state: docs/architecture.md#dataset-states. */
export const DATASET_STATES = ['pending', 'active', 'trashed', 'deleted'] as const;

/** Who may read a dataset: `private` — its owner, its grantees and admins; `internal` — every authenticated user. */
export const VISIBILITIES = ['private', 'internal'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const ACCESS_LEVELS = ['read', 'write'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** A user given access to a dataset by its owner (or an admin). */
@Schema({ _id: false })
export class DatasetGrant {
  @Prop({ type: Types.ObjectId, required: true })
  userId: Types.ObjectId;

  @Prop({ type: String, required: true, enum: ACCESS_LEVELS })
  level: AccessLevel;
}
export type DatasetState = (typeof DATASET_STATES)[number];

@Schema({ collection: 'datasets', timestamps: true, versionKey: false })
export class Dataset extends OutboxEntity {
  _id: Types.ObjectId;

  /** Registration number, unique and increasing across all datasets. */
  @Prop({ required: true })
  seq: number;

  /** The owner. The single source of truth of the user → datasets mapping. (A tombstone points at itself.) */
  @Prop({ type: Types.ObjectId, required: true })
  ownerId: Types.ObjectId;

  @Prop({ required: true })
  name: string;

  /** Lower-cased name: unique per owner, case-insensitive search and sort. */
  @Prop({ required: true })
  nameKey: string;

  @Prop()
  description?: string;

  /** Lower-cased description, for the `q` search. */
  @Prop()
  descriptionKey?: string;

  @Prop({ type: [String], default: [] })
  tags: string[];

  @Prop()
  frequency?: string;

  @Prop({ type: [SchemaFactory.createForClass(DatasetField)], default: [] })
  fields: DatasetField[];

  @Prop()
  source?: string;

  /** Absent on datasets from before access control: private. */
  @Prop({ type: String, enum: VISIBILITIES })
  visibility?: Visibility;

  /** Users given read or write access; reads filter by `grants.userId`. */
  @Prop({ type: [SchemaFactory.createForClass(DatasetGrant)], default: undefined })
  grants?: DatasetGrant[];

  @Prop({ type: String, required: true, enum: DATASET_STATES })
  state: DatasetState;

  /**
   * Set while an ownership transfer to this user is being checked; the owner
   * stays `ownerId` until the transfer commits. Cleared by the janitor when a
   * crash leaves it behind.
   */
  @Prop({ type: Types.ObjectId })
  transferTo?: Types.ObjectId;

  @Prop({ type: Date })
  transferStartedAt?: Date;

  /** When it was moved to the trash (set while `trashed` only). */
  @Prop({ type: Date })
  trashedAt?: Date;

  @Prop({ type: Date })
  deletedAt?: Date;

  /** The committed state of the dataset's records (see records/), once it has any. */
  @Prop()
  recordSeriesId?: string;

  /** Points in that series: while there are any, fields may not be removed or retyped. */
  @Prop()
  recordCount?: number;

  createdAt: Date;
  updatedAt: Date;
}

export type DatasetDocument = HydratedDocument<Dataset>;

export const DatasetSchema = SchemaFactory.createForClass(Dataset);
DatasetSchema.index({ seq: 1 }, { unique: true });
DatasetSchema.index({ ownerId: 1, nameKey: 1 }, { unique: true });
DatasetSchema.index({ ownerId: 1, state: 1, seq: 1 });
DatasetSchema.index({ transferTo: 1 });
// The ownership janitor's sweep for transfer marks a crash left behind.
DatasetSchema.index({ transferStartedAt: 1 });
// The trash janitor's sweep: trashed datasets by age.
DatasetSchema.index({ state: 1, trashedAt: 1 });
DatasetSchema.index({ state: 1, createdAt: 1, _id: 1 });
DatasetSchema.index({ state: 1, nameKey: 1, _id: 1 });
DatasetSchema.index({ state: 1, seq: 1, _id: 1 });
DatasetSchema.index({ tags: 1 });
DatasetSchema.index({ 'grants.userId': 1 });
DatasetSchema.index({ visibility: 1 });

/** A dataset's visibility: absent (datasets from before access control) means private. */
export function visibilityOf(dataset: Pick<Dataset, 'visibility'>): Visibility {
  return dataset.visibility ?? 'private';
}
