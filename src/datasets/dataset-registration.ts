import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { actorOf, Principal } from '../access/principal';
import { DomainError, LockBusyError } from '../common/errors/domain-errors';
import { Outbox } from '../events/outbox/outbox';
import { DatasetOwners, OwnerAvailability, ownerUnavailable } from '../ownership/dataset-owners';
import { HeldLists, OwnerIndex } from '../ownership/owner-index';
import { datasetCreated, newDataset, uniqueIds } from './dataset-rules';
import { DatasetSequence } from './dataset-sequence';
import { DatasetTrashService } from './dataset-trash.service';
import { DatasetsRepository } from './datasets.repository';
import { CreateDatasetDto } from './dto/create-dataset.dto';
import { Dataset } from './schemas/dataset.schema';

/** A dataset to register: its validated body and its owner (the caller's right to name it was checked). */
export interface Registration {
  dto: CreateDatasetDto;
  ownerId: Types.ObjectId;
}

type Result = Dataset | DomainError | undefined;

/**
 * The one create protocol, for `POST /datasets` and `POST /datasets/bulk`. Holding the owners' lists: owners checked, numbers
 * reserved, listed as new under their owners, inserted active with `dataset.created`, confirmed in the lists; then the outbox
 * marker (why this order: docs/outbox.md#ownership-writes).
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
    const results: Result[] = registrations.map(() => undefined);
    const ownerIds = uniqueIds(registrations.map(({ ownerId }) => ownerId.toHexString()));
    await this.ownerIndex.creating(ownerIds, async (lists) => {
      const candidates = await this.available(registrations, lists, results);
      if (candidates.length === 0) return;
      // Consecutive numbers, in the order given.
      const actor = actorOf(principal);
      const firstSeq = await this.sequence.reserve(candidates.length);
      const fresh = candidates.map(({ index, dto, ownerId }, i) => ({ index, doc: newDataset(dto, firstSeq + i, ownerId) }));
      // Each `dataset.created` is inserted with its dataset, and tracked once the insert is done.
      await this.outbox.recordChanges(
        fresh.map(({ doc }) => datasetCreated(doc, actor)),
        async (events) => {
          fresh.forEach(({ doc }, i) => doc.outbox.push(events[i]));
          await lists.listNew(fresh.map(({ doc }) => doc));
          const inserted = await this.insert(fresh, results, principal);
          await lists.confirmNew(inserted.map(({ doc }) => doc));
          for (const { index, doc } of inserted) results[index] = doc;
          return inserted.map(({ doc }) => doc);
        },
      );
    });
    return results as (Dataset | DomainError)[];
  }

  /**
   * The registrations whose owner may receive datasets, checked holding their lists (so a deletion that has not read a list yet
   * will see what is listed); the others get their refusal. A list that stayed busy refuses its owner's registrations (409, retry).
   */
  private async available(
    registrations: readonly Registration[],
    lists: HeldLists,
    results: Result[],
  ): Promise<{ index: number; dto: CreateDatasetDto; ownerId: Types.ObjectId }[]> {
    const availability: Map<string, OwnerAvailability> =
      lists.owners.length > 0 ? await this.owners.availability(lists.owners) : new Map<string, OwnerAvailability>();
    return registrations.flatMap(({ dto, ownerId }, index) => {
      if (!lists.holds(ownerId)) {
        results[index] = new LockBusyError(`the dataset list of user ${ownerId.toHexString()} is busy with another change; retry`);
        return [];
      }
      const owner = availability.get(ownerId.toHexString()) ?? 'missing';
      if (owner === 'available') return [{ index, dto, ownerId }];
      results[index] = ownerUnavailable(ownerId, owner);
      return [];
    });
  }

  /** Inserts the new datasets (one insert for one, an unordered batch for many); a taken name is refused. */
  private async insert(
    fresh: { index: number; doc: Dataset }[],
    results: Result[],
    principal: Principal,
  ): Promise<{ index: number; doc: Dataset }[]> {
    const taken =
      fresh.length === 1
        ? new Set((await this.datasets.insertNew(fresh[0].doc)) ? [] : [0])
        : await this.datasets.insertManyNew(fresh.map(({ doc }) => doc));
    for (const position of taken) {
      const { index, doc } = fresh[position];
      results[index] = await this.trash.nameTaken(doc.ownerId, doc.name, principal);
    }
    return fresh.filter((_, position) => !taken.has(position));
  }
}
