import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { runEvery } from '../common/scheduling/run-every';
import { DatasetsService } from './datasets.service';
import { Dataset } from './schemas/dataset.schema';

/** Creates and transfers take milliseconds; anything older was abandoned by a crashed process. */
export const ABANDONED_AFTER_MS = 60_000;
const SWEEP_EVERY_MS = 30_000;

/**
 * Removes what a process killed in the middle of a create or transfer leaves
 * behind (see DatasetsService). Both leftovers are invisible to readers, so
 * this only frees the dataset name and unblocks further transfers; it is
 * idempotent and safe to run on every instance.
 */
@Injectable()
export class OwnershipJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OwnershipJanitor.name);
  private stopSweeping?: () => void;

  constructor(
    @InjectModel(Dataset.name) private readonly datasets: Model<Dataset>,
    private readonly datasetsService: DatasetsService,
  ) {}

  onApplicationBootstrap(): void {
    this.stopSweeping = runEvery(SWEEP_EVERY_MS, () => this.sweep(), { logger: this.logger, what: 'ownership sweep', immediately: true });
  }

  onApplicationShutdown(): void {
    this.stopSweeping?.();
  }

  async sweep(now = new Date()): Promise<{ pendingRemoved: number; transfersReleased: number }> {
    const cutoff = new Date(now.getTime() - ABANDONED_AFTER_MS);
    // Nobody else writes a pending dataset but the create that made it, long gone by now.
    const pending = await this.datasets.deleteMany({ state: 'pending', createdAt: { $lt: cutoff } }).exec();
    const marked = await this.datasets
      .find({ transferStartedAt: { $lt: cutoff } }, { _id: 1 })
      .lean()
      .exec();
    let transfersReleased = 0;
    for (const { _id } of marked) {
      try {
        if (await this.datasetsService.releaseAbandonedTransfer(_id, cutoff)) transfersReleased++;
      } catch (error) {
        // Still locked by its dead holder: the next sweep gets it once the lock expires.
        this.logger.debug(`transfer mark on ${_id.toHexString()} not released yet: ${(error as Error).message}`);
      }
    }
    const result = { pendingRemoved: pending.deletedCount, transfersReleased };
    if (result.pendingRemoved + result.transfersReleased > 0) this.logger.log(result, 'cleaned up abandoned ownership changes');
    return result;
  }
}
