import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/** What a list says of a dataset without reading it: how it sorts (seq, createdAt in epoch ms). */
export interface ListedSortKey {
  seq: number;
  at: number;
}

/**
 * The datasets that may belong to one user: a superset of the truth (readers check each `ownerId`), so that
 * "the datasets of user X" is lookups by id, not a scan. Why: docs/architecture.md#the-owner-index.
 */
@Schema({ collection: 'dataset_owner_index', versionKey: false })
export class OwnerIndexList {
  /** The user's id. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: [String], default: [] })
  datasetIds: string[];

  /**
   * By dataset id, the keys a page of the user's datasets is sorted by (both
   * never change), so its first page reads only the datasets it shows. Lists
   * of older versions lack them: those datasets are read to sort them.
   */
  @Prop({ type: MongooseSchema.Types.Mixed })
  sortKeys?: Record<string, ListedSortKey>;
}

export const OwnerIndexListSchema = SchemaFactory.createForClass(OwnerIndexList);
