import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { isDuplicateKeyError } from '../common/mongo/duplicate-key';
import { SeqBlock } from './schemas/seq-block.schema';

/**
 * Hands out dataset registration numbers: unique and increasing across
 * concurrent requests and application instances.
 *
 * A reservation claims the block right after the highest one by inserting it
 * under its first number. Two requests that read the same highest block
 * compute the same first number and the unique `_id` lets only one win; the
 * other reads again. (An `$inc` on a counter would be simpler, but FerretDB's
 * SQLite backend applies it as read-then-write and loses increments under
 * concurrency; an insert into a unique index is atomic everywhere.) A number
 * whose create then fails is not reused — a gap, as with any sequence.
 */
@Injectable()
export class DatasetSequence {
  constructor(@InjectModel(SeqBlock.name) private readonly blocks: Model<SeqBlock>) {}

  /** Reserves `count` consecutive numbers and returns the first. */
  async reserve(count = 1): Promise<number> {
    for (;;) {
      const [highest] = await this.blocks.find({}, { end: 1 }).sort({ _id: -1 }).limit(1).lean().exec();
      const first = (highest?.end ?? 0) + 1;
      try {
        await this.blocks.collection.insertOne({ _id: first, end: first + count - 1 } as never);
        return first;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }
}
