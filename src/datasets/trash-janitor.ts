import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { runEvery } from '../common/scheduling/run-every';
import { DatasetTrashService } from './dataset-trash.service';
import { DatasetsRepository } from './datasets.repository';

/** Retention is counted in days: a sweep every few minutes purges within minutes of the due time. */
const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * Purges the datasets that stayed in the trash longer than
 * `TRASH_RETENTION_DAYS` (see DatasetTrashService): what `DELETE
 * ?permanent=true` does, by the system. Each purge re-checks its dataset
 * under the dataset's lock, so a restore racing it wins or loses cleanly; it
 * is idempotent and safe to run on every instance.
 */
@Injectable()
export class TrashJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TrashJanitor.name);
  private stopSweeping?: () => void;

  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly trash: DatasetTrashService,
  ) {}

  onApplicationBootstrap(): void {
    this.stopSweeping = runEvery(SWEEP_EVERY_MS, () => this.sweep(), { logger: this.logger, what: 'trash sweep', immediately: true });
  }

  onApplicationShutdown(): void {
    this.stopSweeping?.();
  }

  /** Purges what is due at `now`; returns how many datasets it purged. */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = this.trash.cutoffAt(now);
    let purged = 0;
    for (const id of await this.datasets.markedBefore('trash', cutoff)) {
      try {
        if (await this.trash.purgeExpired(id, cutoff)) purged++;
      } catch (error) {
        // Locked by a change under way (or its dead holder): the next sweep gets it.
        this.logger.debug(`trashed dataset ${id.toHexString()} not purged yet: ${(error as Error).message}`);
      }
    }
    if (purged > 0) this.logger.log({ purged }, 'purged datasets whose time in the trash was up');
    return purged;
  }
}
