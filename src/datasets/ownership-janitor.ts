import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { runEvery } from '../common/scheduling/run-every';
import { DatasetsRepository } from './datasets.repository';
import { OwnerIndex } from '../ownership/owner-index';
import { DatasetsService, OwnerEntrySettled } from './datasets.service';

/** Creates and transfers take milliseconds; anything older was abandoned by a crashed process. */
export const ABANDONED_AFTER_MS = 60_000;
const SWEEP_EVERY_MS = 30_000;
/** Unconfirmed owner-index entries are rare but for lists of older versions: looked for at boot, then now and then. */
const REPAIR_EVERY_MS = 10 * 60_000;

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
  private stopRepairing?: () => void;

  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly datasetsService: DatasetsService,
    private readonly ownerIndex: OwnerIndex,
  ) {}

  /** Before the service answers: every dataset gets the keys this version looks it up by (see DatasetSeqKey). */
  async onApplicationBootstrap(): Promise<void> {
    const keyed = await this.datasets.backfillSeqKeys();
    if (keyed > 0) this.logger.log(`gave ${keyed} datasets their seq keys`);
    this.stopSweeping = runEvery(SWEEP_EVERY_MS, () => this.sweep(), { logger: this.logger, what: 'ownership sweep', immediately: true });
    this.stopRepairing = runEvery(REPAIR_EVERY_MS, () => this.repairOwnerLists(), {
      logger: this.logger,
      what: 'owner-index repair',
      immediately: true,
    });
  }

  onApplicationShutdown(): void {
    this.stopSweeping?.();
    this.stopRepairing?.();
  }

  /**
   * Settles the owner index's unconfirmed entries (see DatasetsService.settleOwnerEntry): those of lists
   * written by older versions, and what a crash between a dataset's write and its entry's change left.
   */
  async repairOwnerLists(now = new Date()): Promise<Record<OwnerEntrySettled, number>> {
    const cutoff = new Date(now.getTime() - ABANDONED_AFTER_MS);
    const result: Record<OwnerEntrySettled, number> = { confirmed: 0, unlisted: 0, kept: 0 };
    for (const { ownerId, entries } of await this.ownerIndex.unconfirmed()) {
      for (const { _id } of entries) {
        try {
          result[await this.datasetsService.settleOwnerEntry(ownerId, _id, cutoff)]++;
        } catch (error) {
          // Locked by a change under way, or by a dead holder until its lock expires: the next repair gets it.
          this.logger.debug(
            `owner-index entry ${_id.toHexString()} of ${ownerId.toHexString()} not settled yet: ${(error as Error).message}`,
          );
        }
      }
    }
    if (result.confirmed + result.unlisted > 0) this.logger.log(result, 'settled unconfirmed owner-index entries');
    return result;
  }

  async sweep(now = new Date()): Promise<{ pendingRemoved: number; transfersReleased: number }> {
    const cutoff = new Date(now.getTime() - ABANDONED_AFTER_MS);
    // What older versions left needs a scan, until it is settled; this version's transfer marks are noted (DatasetMark).
    // Nobody else writes a pending dataset but the create that made it, long gone by now.
    const { pendingRemoved } = (await this.datasets.olderVersionsSettled())
      ? { pendingRemoved: 0 }
      : await this.datasets.settleOlderVersions(cutoff);
    const marked = await this.datasets.markedBefore('transfer', cutoff);
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
