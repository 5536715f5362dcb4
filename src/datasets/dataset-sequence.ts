import { Injectable } from '@nestjs/common';
import { SeqBlocksRepository } from './seq-blocks.repository';

/**
 * Registration numbers, unique and increasing across requests and instances: a chain of blocks, each
 * claimed by a unique insert (no `$inc` on FerretDB). Why: docs/architecture.md#registration-numbers.
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
