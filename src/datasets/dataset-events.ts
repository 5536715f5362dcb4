import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { actorOf, Principal } from '../access/principal';
import { EntityLocks } from '../common/locks/entity-locks';
import { EventData } from '../events/contract';
import { Outbox } from '../events/outbox/outbox';
import { CHANGE_DATASET, datasetLockKey } from './dataset-lock';
import { notFound } from './dataset-rules';
import { DatasetsRepository } from './datasets.repository';

/** Events about a dataset whose change is stored elsewhere (its versions and tags, kept by RecordsModule). */
export type DatasetSideEvent = 'dataset.version.created' | 'dataset.version.deleted' | 'dataset.tagged' | 'dataset.untagged';

/**
 * Records such events (writes them to the dataset's outbox, which the relay
 * publishes) in the dataset's own order: under its lock, with the next
 * revision as their sequence, like every other change of it.
 */
@Injectable()
export class DatasetEvents {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly locks: EntityLocks,
    private readonly outbox: Outbox,
  ) {}

  async record<T extends DatasetSideEvent>(id: Types.ObjectId, type: T, data: EventData[T], principal: Principal): Promise<void> {
    await this.locks.withLock(datasetLockKey(id), CHANGE_DATASET, async () => {
      const dataset = await this.datasets.findById(id);
      if (dataset?.state !== 'active') throw notFound({ id });
      const rev = dataset.rev + 1;
      const change = { type, id, sequence: rev, data, ownerId: dataset.ownerId.toHexString(), actor: actorOf(principal) };
      await this.outbox.recordChange(change, (event) => this.datasets.writeEvent(id, rev, event));
    });
  }
}
