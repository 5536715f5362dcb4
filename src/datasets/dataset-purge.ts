import { Injectable } from '@nestjs/common';
import { EventActor } from '../events/contract';
import { Outbox } from '../events/outbox/outbox';
import { OwnerIndex } from '../ownership/owner-index';
import { DatasetPurgeCleanup } from './dataset-purge-cleanup';
import { DatasetsRepository } from './datasets.repository';
import { Dataset } from './schemas/dataset.schema';

/**
 * Purging: the end of a dataset, active or trashed — by `DELETE ?permanent=true`,
 * the trash janitor, or a user's cascade. Runs under the dataset's lock.
 */
@Injectable()
export class DatasetPurge {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly outbox: Outbox,
    private readonly ownerIndex: OwnerIndex,
    private readonly storage: DatasetPurgeCleanup,
  ) {}

  /**
   * The dataset becomes an invisible tombstone that carries `dataset.deleted`
   * until the event is published (pointing its `ownerId` at itself frees the
   * name for its owner at once); then what is stored under its id goes.
   */
  async purge(dataset: Dataset, actor: EventActor): Promise<void> {
    const rev = dataset.rev + 1;
    const removed = { id: dataset._id.toHexString(), seq: dataset.seq, ownerId: dataset.ownerId.toHexString() };
    const change = { type: 'dataset.deleted' as const, id: dataset._id, sequence: rev, data: removed, ownerId: removed.ownerId, actor };
    // Demoted first: a crash after it leaves a candidate, which readers check, never a confirmed entry that is wrong.
    await this.ownerIndex.demote(dataset.ownerId, [dataset._id]);
    await this.outbox.recordChange(change, (event) => this.datasets.markDeleted(dataset, rev, event));
    await this.ownerIndex.remove(dataset.ownerId, [dataset._id]);
    await this.storage.dropAll(dataset);
  }
}
