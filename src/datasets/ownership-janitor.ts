import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { runEvery } from '../common/scheduling/run-every';
import { DatasetsRepository } from './datasets.repository';
import { DatasetsService } from './datasets.service';

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
    private readonly datasets: DatasetsRepository,
    private readonly datasetsService: DatasetsService,
  ) {}

  /** Before the service answers: every dataset gets the keys this version looks it up by (see DatasetSeqKey). */
  async onApplicationBootstrap(): Promise<void> {
    const keyed = await this.datasets.backfillSeqKeys();
    if (keyed > 0) this.logger.log(`gave ${keyed} datasets their seq keys`);
    this.stopSweeping = runEvery(SWEEP_EVERY_MS, () => this.sweep(), { logger: this.logger, what: 'ownership sweep', immediately: true });
  }

  onApplicationShutdown(): void {
    this.stopSweeping?.();
  }

  async sweep(now = new Date()): Promise<{ pendingRemoved: number; transfersReleased: number }> {
    const cutoff = new Date(now.getTime() - ABANDONED_AFTER_MS);
    // Nobody else writes a pending dataset but the create that made it, long gone by now.
    const pendingRemoved = await this.datasets.removeAbandonedPending(cutoff);
    const marked = await this.datasets.idsWithTransferMarkBefore(cutoff);
    let transfersReleased = 0;
    for (const _id of marked) {
      try {
        if (await this.datasetsService.releaseAbandonedTransfer(_id, cutoff)) transfersReleased++;
      } catch (error) {
        // Still locked by its dead holder: the next sweep gets it once the lock expires.
        this.logger.debug(`transfer mark on ${_id.toHexString()} not released yet: ${(error as Error).message}`);
      }
    }
    const result = { pendingRemoved, transfersReleased };
    if (result.pendingRemoved + result.transfersReleased > 0) this.logger.log(result, 'cleaned up abandoned ownership changes');
    return result;
  }
}
