import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

/**
 * Which dataset holds a registration number: `GET /datasets/{seq}` as a lookup by `_id` (a `{ seq }`
 * filter scans on FerretDB). Written and removed in order: docs/architecture.md#registration-numbers.
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
