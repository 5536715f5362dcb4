import { Injectable } from '@nestjs/common';
import { SeqBlocksRepository } from './seq-blocks.repository';

/**
 * Hands out dataset registration numbers: unique and increasing across
 * concurrent requests and application instances.
 *
 * Claimed numbers form a chain of blocks, each starting right after the end
 * of the previous one. A reservation inserts its block under its first number
 * (a unique `_id`): when another request got there first, the insert fails,
 * the block found there says where the chain continues, and the reservation
 * tries again just after it. So every successful claim extends the end of the
 * chain. (An `$inc` on a counter would be simpler, but FerretDB's SQLite
 * backend applies it as read-then-write and loses increments under
 * concurrency; an insert into a unique index is atomic everywhere.)
 *
 * Within one process reservations queue up rather than collide, and the
 * process remembers where the chain ended. A number whose create then fails
 * is not reused — a gap, as with any database sequence.
 */
@Injectable()
export class DatasetSequence {
  private next?: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly blocks: SeqBlocksRepository) {}

  /** Reserves `count` consecutive numbers and returns the first. */
  reserve(count = 1): Promise<number> {
    const reservation = this.queue.then(() => this.claim(count));
    this.queue = reservation.catch(() => undefined);
    return reservation;
  }

  private async claim(count: number): Promise<number> {
    let first = this.next ?? (await this.blocks.endOfChain()) + 1;
    for (;;) {
      if (await this.blocks.claim(first, first + count - 1)) {
        this.next = first + count;
        return first;
      }
      first = ((await this.blocks.endOf(first)) ?? (await this.blocks.endOfChain())) + 1;
    }
  }
}
