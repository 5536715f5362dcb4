import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * Which dataset holds a registration number: `GET /datasets/{seq}` as a
 * lookup by `_id`, the one query FerretDB's SQLite backend answers without
 * scanning every dataset (a `{ seq }` filter scans there). Written after the
 * pending dataset and removed before it goes (see DatasetsRepository), so a
 * key never outlives its dataset for long; readers check that the dataset it
 * names carries the number, and look the number up the slow way when there is
 * no key (datasets of older versions until the boot backfill has run).
 */
@Schema({ collection: 'dataset_seq_keys', versionKey: false })
export class DatasetSeqKey {
  /** The number in decimal (string ids are looked up quickly by FerretDB; numbers are not). */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: Types.ObjectId, required: true })
  datasetId: Types.ObjectId;
}

export const DatasetSeqKeySchema = SchemaFactory.createForClass(DatasetSeqKey);

export function seqKeyId(seq: number): string {
  return String(seq);
}
