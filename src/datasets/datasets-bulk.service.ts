import { HttpStatus, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { inParallel } from '../common/async/in-parallel';
import { BulkOutcomes, BulkSummary } from '../common/bulk/bulk-outcomes';
import { searchKey } from '../common/mongo/text';
import { DomainError } from '../common/errors/domain-errors';
import { actorOf, Principal } from '../access/principal';
import { ownerFor } from './dataset-access';
import { validateItem } from '../common/validation/validate-item';
import { DatasetOwners, ownerUnavailable } from '../ownership/dataset-owners';
import { OwnerIndex } from '../ownership/owner-index';
import { DatasetSequence } from './dataset-sequence';
import { nameDetails, newDataset, ownerDeletedMeanwhile, rejectWith, uniqueIds } from './dataset-rules';
import { DatasetTrashService } from './dataset-trash.service';
import { DatasetsRepository } from './datasets.repository';
import { DatasetsService } from './datasets.service';
import { CreateDatasetDto } from './dto/create-dataset.dto';
import { DatasetResponseDto, toDatasetResponse } from './dto/dataset-response.dto';
import { Dataset } from './schemas/dataset.schema';

/** Owner lists edited at once by a bulk call (each holds one store connection at a time). */
const OWNER_LISTS_AT_ONCE = 8;

/** POST /datasets/bulk: the steps of DatasetsService.create, for many datasets at once. */
@Injectable()
export class DatasetsBulkService {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly datasetsService: DatasetsService,
    private readonly owners: DatasetOwners,
    private readonly sequence: DatasetSequence,
    private readonly ownerIndex: OwnerIndex,
    private readonly trash: DatasetTrashService,
  ) {}

  /** Registers many datasets; each item succeeds or fails on its own (see BulkOutcomes). */
  async createMany(items: unknown[], principal: Principal): Promise<BulkSummary<DatasetResponseDto>> {
    const outcomes = new BulkOutcomes<DatasetResponseDto>(items.length);
    const valid: { index: number; dto: CreateDatasetDto; ownerId: string }[] = [];
    for (const [index, item] of items.entries()) {
      const result = await validateItem(CreateDatasetDto, item);
      if (!result.ok) {
        outcomes.reject(index, HttpStatus.BAD_REQUEST, result.message, result.details);
        continue;
      }
      try {
        valid.push({ index, dto: result.value, ownerId: ownerFor(result.value, principal).toHexString() });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        rejectWith(outcomes, index, error);
      }
    }

    const firstWithName = new Map<string, number>();
    for (const { index, dto, ownerId } of valid) {
      const key = `${ownerId}/${searchKey(dto.name)}`;
      const first = firstWithName.get(key);
      if (first === undefined) firstWithName.set(key, index);
      else outcomes.reject(index, HttpStatus.CONFLICT, `same owner and name as item ${first} of this request`, nameDetails(dto.name));
    }

    const ownerIds = uniqueIds(valid.map(({ ownerId }) => ownerId));
    const before = await this.owners.availability(ownerIds);
    const candidates = valid.filter(({ index, ownerId }) => {
      if (outcomes.isDecided(index)) return false;
      const availability = before.get(ownerId) ?? 'missing';
      if (availability === 'available') return true;
      rejectWith(outcomes, index, ownerUnavailable(new Types.ObjectId(ownerId), availability));
      return false;
    });
    if (candidates.length === 0) return outcomes.summary();

    // Consecutive numbers, in input order.
    const firstSeq = await this.sequence.reserve(candidates.length);
    const actor = actorOf(principal);
    const pending = candidates.map(({ index, dto, ownerId }, i) => ({
      index,
      doc: newDataset(dto, firstSeq + i, new Types.ObjectId(ownerId), actor),
    }));
    // Each owner's list under its own lock, a few at once: a call spread over many owners waits on each list's round trips.
    const byOwner = new Map<string, Dataset[]>();
    for (const { doc } of pending) byOwner.set(doc.ownerId.toHexString(), [...(byOwner.get(doc.ownerId.toHexString()) ?? []), doc]);
    await inParallel([...byOwner.values()], OWNER_LISTS_AT_ONCE, (docs) => this.ownerIndex.add(docs[0].ownerId, docs));
    const inserted = await this.insertPending(pending, outcomes, principal);

    const after = await this.owners.availability(uniqueIds(inserted.map(({ doc }) => doc.ownerId.toHexString())));
    const stillOwned = inserted.filter(({ doc }) => after.get(doc.ownerId.toHexString()) === 'available');
    const orphaned = inserted.filter((entry) => !stillOwned.includes(entry));
    if (orphaned.length > 0) {
      await this.datasets.removePendingMany(orphaned.map(({ doc }) => doc));
      for (const { index, doc } of orphaned) {
        rejectWith(outcomes, index, ownerUnavailable(doc.ownerId, after.get(doc.ownerId.toHexString()) ?? 'missing'));
      }
    }

    const active = new Map((await this.datasetsService.activate(stillOwned.map(({ doc }) => doc))).map((d) => [d._id.toHexString(), d]));
    for (const { index, doc } of stillOwned) {
      const dataset = active.get(doc._id.toHexString());
      if (dataset) outcomes.accept(index, toDatasetResponse(dataset));
      else rejectWith(outcomes, index, ownerDeletedMeanwhile(doc.ownerId));
    }
    return outcomes.summary();
  }

  /** Inserts pending datasets in one unordered batch; items whose name is taken are rejected. */
  private async insertPending(
    pending: { index: number; doc: Dataset }[],
    outcomes: BulkOutcomes<DatasetResponseDto>,
    principal: Principal,
  ): Promise<{ index: number; doc: Dataset }[]> {
    const duplicates = await this.datasets.insertManyPending(pending.map(({ doc }) => doc));
    for (const position of duplicates) {
      const { index, doc } = pending[position];
      rejectWith(outcomes, index, await this.trash.nameTaken(doc.ownerId, doc.name, principal));
    }
    return pending.filter((_, position) => !duplicates.has(position));
  }
}
