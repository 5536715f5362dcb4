import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/** What a side mark says a dataset has: a transfer under way, or a time in the trash. */
export const MARK_KINDS = ['transfer', 'trash'] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

/**
 * A dataset's transfer mark or trash time, noted beside it so that the janitors read what is due from this small
 * collection instead of scanning every dataset (on FerretDB each such query reads the whole collection). Noted before
 * the dataset's own write, dropped after the write that ends it: a note may outlive its mark, never the other way
 * round, and a janitor drops a note whose mark is gone (docs/architecture.md#background-work).
 */
@Schema({ collection: 'dataset_marks', versionKey: false })
export class DatasetMark {
  /** `<kind>:<dataset id>`: one note per mark, found by `_id`. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true, enum: MARK_KINDS })
  kind: MarkKind;

  @Prop({ type: Types.ObjectId, required: true })
  datasetId: Types.ObjectId;

  /** When the transfer started, or the dataset went to the trash (its `transferStartedAt`, `trashedAt`). */
  @Prop({ type: Date, required: true })
  at: Date;
}

export const DatasetMarkSchema = SchemaFactory.createForClass(DatasetMark);
DatasetMarkSchema.index({ kind: 1, at: 1 });

/**
 * The documents of the collection that are no notes: each says that what older versions left is settled, once, for good.
 * `all-noted`: no dataset needs a note it lacks (DatasetsRepository.settleOlderVersions); `all-keyed`: every dataset but a
 * tombstone has its seq key (DatasetsRepository.backfillSeqKeys, see SeqKeys).
 */
export const SETTLED_IDS = ['all-noted', 'all-keyed'] as const;
export type SettledId = (typeof SETTLED_IDS)[number];

export function markId(kind: MarkKind, datasetId: Types.ObjectId): string {
  return `${kind}:${datasetId.toHexString()}`;
}
