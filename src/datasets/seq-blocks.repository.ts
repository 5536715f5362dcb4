import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { insertUnique } from '../common/mongo/unique-inserts';
import { SeqBlock, seqBlockId } from './schemas/seq-block.schema';

/** The one place that touches the SeqBlock model (see DatasetSequence for why blocks, not a counter). */
@Injectable()
export class SeqBlocksRepository {
  constructor(@InjectModel(SeqBlock.name) private readonly blocks: Model<SeqBlock>) {}

  /**
   * Claims `first`..`end`; false when a block starting at `first` exists. An
   * insert into the unique `_id` is atomic everywhere, where FerretDB's `$inc`
   * is a read-then-write that loses increments.
   */
  claim(first: number, end: number): Promise<boolean> {
    return insertUnique(this.blocks, { _id: seqBlockId(first), end });
  }

  /** The end of the block starting at `first`, if there is one. */
  async endOf(first: number): Promise<number | undefined> {
    const taken = await this.blocks.findById(seqBlockId(first), { end: 1 }).lean().exec();
    return taken?.end;
  }

  /** The end of the last block (0 if none). */
  async endOfChain(): Promise<number> {
    const [last] = await this.blocks.find({}, { end: 1 }).sort({ _id: -1 }).limit(1).lean().exec();
    return last?.end ?? 0;
  }
}
