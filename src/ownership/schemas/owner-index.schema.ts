import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/** What a list says of a dataset without reading it: how it sorts (seq, createdAt in epoch ms). */
export interface ListedSortKey {
  seq: number;
  at: number;
}

/**
 * How far a list trusts one of its entries. Numbers, ordered so that a create's confirmation raises only
 * `pending` (see HeldLists.confirmNew); no state (lists of older versions) reads as `candidate`.
 */
export const ENTRY_STATE = {
  /** Listed by the create that is making it; not active yet. */
  pending: 1,
  /** Active and owned by this user, confirmed after the write that made it so: readers may trust it. */
  confirmed: 2,
  /** May belong to this user: readers read the dataset to know. */
  candidate: 3,
} as const;
export type EntryState = (typeof ENTRY_STATE)[keyof typeof ENTRY_STATE];

/** The chunks of a generation a compaction replaced (their ids: chunkIdsOf(userId, gen, 1, chunks)), until they are deleted. */
export interface RetiredGeneration {
  gen: number;
  chunks: number;
}

/**
 * The datasets that may belong to one user: a superset of the truth whose confirmed entries are
 * true (readers check the others' datasets), so that "the datasets of user X" is a few lookups by id,
 * not a scan. Stored in chunks (owner-list-chunks.ts): the head, then `<userId>:1`, `<userId>:2`… (`<userId>:g<gen>:1`… once compacted)
 * Why and the rules: docs/architecture.md#the-owner-index.
 */
@Schema({ collection: 'dataset_owner_index', versionKey: false })
export class OwnerIndexList {
  /** The user's id (the head, chunk 0), or `<userId>:<n>` (chunk n of generation 0), or `<userId>:g<gen>:<n>`. */
  @Prop({ type: String, required: true })
  _id: string;

  /** The chunk's entries, one binary value: each entry's dataset id, sort keys and state (the layout: owner-list-codec.ts). */
  @Prop({ type: Buffer })
  entries?: Buffer;

  /** The head only: how many chunks the list has, the head included (absent: 1). Written after the chunks it counts. */
  @Prop({ type: Number })
  chunks?: number;

  /** The head only: the generation of the chunks it counts (absent: 0). A compaction writes a new one, then the head naming it. */
  @Prop({ type: Number })
  gen?: number;

  /** The head only: the generation its last compaction replaced, while its chunks may still be stored (unset once deleted). */
  @Prop({ type: MongooseSchema.Types.Mixed })
  retired?: RetiredGeneration;

  /** Lists of older versions: the dataset ids (this version writes `entries` and drops these three on the list's next change). */
  @Prop({ type: [String], default: undefined })
  datasetIds?: string[];

  /** Lists of older versions: by dataset id, the keys a page is sorted by (some lack them: those datasets are read to sort them). */
  @Prop({ type: MongooseSchema.Types.Mixed })
  sortKeys?: Record<string, ListedSortKey>;

  /** Lists of older versions: by dataset id, its entry's state (lists older still have none: their entries read as candidates). */
  @Prop({ type: MongooseSchema.Types.Mixed })
  states?: Record<string, EntryState>;
}

export const OwnerIndexListSchema = SchemaFactory.createForClass(OwnerIndexList);
