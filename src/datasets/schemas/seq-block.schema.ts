import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Registration numbers `first`..`end`, handed to one request. */
@Schema({ collection: 'dataset_seq_blocks', versionKey: false })
export class SeqBlock {
  /**
   * The block's first number, zero-padded so that string order is number
   * order (string ids are looked up quickly by FerretDB; numbers are not).
   * Its uniqueness is what keeps blocks disjoint.
   */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  end: number;
}

export const SeqBlockSchema = SchemaFactory.createForClass(SeqBlock);

export function seqBlockId(first: number): string {
  return String(first).padStart(16, '0');
}
