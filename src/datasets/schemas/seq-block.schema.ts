import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Registration numbers `_id`..`end`, handed to one request. */
@Schema({ collection: 'dataset_seq_blocks', versionKey: false })
export class SeqBlock {
  /** First number of the block; its uniqueness is what makes blocks disjoint. */
  @Prop({ type: Number, required: true })
  _id: number;

  @Prop({ required: true })
  end: number;
}

export const SeqBlockSchema = SchemaFactory.createForClass(SeqBlock);
