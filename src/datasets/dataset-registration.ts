import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { actorOf, Principal } from '../access/principal';
import { inParallel } from '../common/async/in-parallel';
import { DomainError } from '../common/errors/domain-errors';
import { Outbox } from '../events/outbox/outbox';
import { DatasetOwners, ownerUnavailable } from '../ownership/dataset-owners';
import { OwnerIndex } from '../ownership/owner-index';
import { datasetCreated, newDataset, ownerDeletedMeanwhile, uniqueIds } from './dataset-rules';
import { DatasetSequence } from './dataset-sequence';
import { DatasetTrashService } from './dataset-trash.service';
import { DatasetsRepository } from './datasets.repository';
import { CreateDatasetDto } from './dto/create-dataset.dto';
import { Dataset } from './schemas/dataset.schema';

/** Owner lists edited at once (each holds one store connection at a time). */
const OWNER_LISTS_AT_ONCE = 8;

/** A dataset to register: its validated body and its owner (the caller's right to name it was checked). */
export interface Registration {
  dto: CreateDatasetDto;
  ownerId: Types.ObjectId;
}

/**
 * The one create protocol, for `POST /datasets` and `POST /datasets/bulk`: owners checked, numbers reserved, listed under owners,
 * inserted `pending` with `dataset.created`, owners checked again, activated, then confirmed in the owner lists (why this order:
 * docs/outbox.md#ownership-writes).
 */
@Injectable()
export class DatasetRegistration {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly owners: DatasetOwners,
    private readonly sequence: DatasetSequence,
    private readonly ownerIndex: OwnerIndex,
    private readonly outbox: Outbox,
    private readonly trash: DatasetTrashService,
  ) {}

  /** Each registration's dataset, active now, or the client error that refused it; in the order given. */
  async register(registrations: readonly Registration[], principal: Principal): Promise<(Dataset | DomainError)[]> {
    const results: (Dataset | DomainError | undefined)[] = registrations.map(() => undefined);
    const before = await this.owners.availability(uniqueIds(registrations.map(({ ownerId }) => ownerId.toHexString())));
    const candidates = registrations.flatMap(({ dto, ownerId }, index) => {
      const availability = before.get(ownerId.toHexString()) ?? 'missing';
      if (availability === 'available') return [{ index, dto, ownerId }];
      results[index] = ownerUnavailable(ownerId, availability);
      return [];
    });
    if (candidates.length > 0) {
      // Consecutive numbers, in the order given.
      const firstSeq = await this.sequence.reserve(candidates.length);
      const actor = actorOf(principal);
      const pending = candidates.map(({ index, dto, ownerId }, i) => ({ index, doc: newDataset(dto, firstSeq + i, ownerId) }));
      // Each `dataset.created` is inserted with its pending dataset, and tracked once the dataset is active.
      const activated = await this.outbox.recordChanges(
        pending.map(({ doc }) => datasetCreated(doc, actor)),
        async (events) => {
          pending.forEach(({ doc }, i) => doc.outbox.push(events[i]));
          await this.listUnderOwners(pending.map(({ doc }) => doc));
          const inserted = await this.insertPending(pending, results, principal);
          const stillOwned = await this.removeOrphans(inserted, results);
          return this.datasets.activate(stillOwned.map(({ doc }) => doc));
        },
      );
      await this.confirmUnderOwners(activated);
      const active = new Map(activated.map((d) => [d._id.toHexString(), d]));
      // The others were refused on the way (a taken name, an owner gone), or lost their owner before activation.
      for (const { index, doc } of pending) results[index] ??= active.get(doc._id.toHexString()) ?? ownerDeletedMeanwhile(doc.ownerId);
    }
    return results as (Dataset | DomainError)[];
  }

  /** Each owner's list under its own lock, a few at once: many owners would each wait on their list's round trips. */
  private async listUnderOwners(pending: readonly Dataset[]): Promise<void> {
    await inParallel(byOwner(pending), OWNER_LISTS_AT_ONCE, (docs) => this.ownerIndex.add(docs[0].ownerId, docs, true));
  }

  /** The active datasets confirmed in their owners' lists, all owners at once. */
  private async confirmUnderOwners(active: readonly Dataset[]): Promise<void> {
    if (active.length === 0) return;
    await this.ownerIndex.confirmCreated(
      byOwner(active).map((docs) => ({ ownerId: docs[0].ownerId, datasetIds: docs.map(({ _id }) => _id) })),
    );
  }

  /** Inserts the pending datasets (one insert for one, an unordered batch for many); a taken name is refused. */
  private async insertPending(
    pending: { index: number; doc: Dataset }[],
    results: (Dataset | DomainError | undefined)[],
    principal: Principal,
  ): Promise<{ index: number; doc: Dataset }[]> {
    const taken =
      pending.length === 1
        ? new Set((await this.datasets.insertPending(pending[0].doc)) ? [] : [0])
        : await this.datasets.insertManyPending(pending.map(({ doc }) => doc));
    for (const position of taken) {
      const { index, doc } = pending[position];
      results[index] = await this.trash.nameTaken(doc.ownerId, doc.name, principal);
    }
    return pending.filter((_, position) => !taken.has(position));
  }

  /** The owners checked again, after the insert: the datasets of an owner deleted meanwhile go. */
  private async removeOrphans(
    inserted: { index: number; doc: Dataset }[],
    results: (Dataset | DomainError | undefined)[],
  ): Promise<{ index: number; doc: Dataset }[]> {
    if (inserted.length === 0) return [];
    const after = await this.owners.availability(uniqueIds(inserted.map(({ doc }) => doc.ownerId.toHexString())));
    const orphaned = inserted.filter(({ doc }) => after.get(doc.ownerId.toHexString()) !== 'available');
    if (orphaned.length === 1) await this.datasets.removePending(orphaned[0].doc);
    else if (orphaned.length > 1) await this.datasets.removePendingMany(orphaned.map(({ doc }) => doc));
    for (const { index, doc } of orphaned)
      results[index] = ownerUnavailable(doc.ownerId, after.get(doc.ownerId.toHexString()) ?? 'missing');
    return inserted.filter((entry) => !orphaned.includes(entry));
  }
}

function byOwner(datasets: readonly Dataset[]): Dataset[][] {
  const groups = new Map<string, Dataset[]>();
  for (const doc of datasets) {
    const group = groups.get(doc.ownerId.toHexString());
    if (group) group.push(doc);
    else groups.set(doc.ownerId.toHexString(), [doc]);
  }
  return [...groups.values()];
}
