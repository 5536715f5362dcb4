import { Injectable } from '@nestjs/common';
import { SeqBlocksRepository } from './seq-blocks.repository';

interface Waiting {
  count: number;
  resolve: (first: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Registration numbers, unique and increasing across requests and instances: a chain of blocks, each
 * claimed by a unique insert (no `$inc` on FerretDB). Why: docs/architecture.md#registration-numbers.
 * Reservations made while a claim is under way wait for it, then are claimed together as one block.
 */
@Injectable()
export class DatasetSequence {
  private next?: number;
  private waiting: Waiting[] = [];
  private claiming = false;

  constructor(private readonly blocks: SeqBlocksRepository) {}

  /** Reserves `count` consecutive numbers and returns the first. */
  reserve(count = 1): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ count, resolve, reject });
      if (!this.claiming) void this.claimWaiting();
    });
  }

  /** One block for everyone waiting, handed out in the order they asked; again while more arrived meanwhile. */
  private async claimWaiting(): Promise<void> {
    this.claiming = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      try {
        let first = await this.claim(batch.reduce((sum, { count }) => sum + count, 0));
        for (const { count, resolve } of batch) {
          resolve(first);
          first += count;
        }
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
    this.claiming = false;
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
