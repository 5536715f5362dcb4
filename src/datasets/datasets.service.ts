import { Injectable } from '@nestjs/common';
import { ConflictError, DomainError } from '../common/errors/domain-errors';
import { Types } from 'mongoose';
import { EntityLocks } from '../common/locks/entity-locks';
import { effectiveChanges, FieldChanges, hasChanges } from '../common/mongo/field-changes';
import { DatasetOwners } from '../ownership/dataset-owners';
import { OwnerIndex } from '../ownership/owner-index';
import { DatasetRegistration } from './dataset-registration';
import { applyChanges, assertExtendsFields, datasetChanges, hasRecords, notFound, toFields, DatasetRef } from './dataset-rules';
import { CreateDatasetDto } from './dto/create-dataset.dto';
import { EventActor, RecordsChange } from '../events/contract';
import { actorOf, Principal } from '../access/principal';
import { assertManageable, assertReadable, assertWritable, mayRead, ownerFor, readerOf } from './dataset-access';
import { CHANGE_DATASET, datasetLockKey } from './dataset-lock';
import { DatasetPurge } from './dataset-purge';
import { DatasetTrashService } from './dataset-trash.service';
import { Outbox } from '../events/outbox/outbox';
import { DatasetPageDto, DatasetResponseDto, toDatasetResponse, toDatasetState } from './dto/dataset-response.dto';
import { SearchDatasetsQueryDto } from './dto/search-datasets-query.dto';
import { UpdateDatasetDto } from './dto/update-dataset.dto';
import { Dataset, visibilityOf } from './schemas/dataset.schema';
import { DatasetsRepository } from './datasets.repository';
import { OwnerFirstPage } from './owner-first-page';

export type { DatasetRef } from './dataset-rules';

/** What the ownership janitor did with an unconfirmed owner-index entry (see settleOwnerEntry). */
export type OwnerEntrySettled = 'confirmed' | 'unlisted' | 'kept';

/**
 * Datasets and the user → datasets mapping (one source of truth, `Dataset.ownerId`). Every change of an existing dataset
 * runs under its lock; creates and transfers order their writes so no dataset is owned by a missing user (docs/outbox.md#ownership-writes).
 */
@Injectable()
export class DatasetsService {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly owners: DatasetOwners,
    private readonly locks: EntityLocks,
    private readonly outbox: Outbox,
    private readonly ownerIndex: OwnerIndex,
    private readonly purging: DatasetPurge,
    private readonly trash: DatasetTrashService,
    private readonly ownerFirstPage: OwnerFirstPage,
    private readonly registration: DatasetRegistration,
  ) {}

  /** The records series a dataset points at, in any state (for the records janitor's clean-up of dead writes). */
  recordSeriesIdOf(id: Types.ObjectId): Promise<string | undefined> {
    return this.datasets.findRecordSeriesId(id);
  }

  async create(dto: CreateDatasetDto, principal: Principal): Promise<DatasetResponseDto> {
    const registered = await this.registration.registerOne({ dto, ownerId: ownerFor(dto, principal) }, principal);
    if (registered instanceof DomainError) throw registered;
    return toDatasetResponse(registered);
  }

  async findOne(ref: DatasetRef, principal: Principal): Promise<DatasetResponseDto> {
    return toDatasetResponse(await this.findReadable(ref, principal));
  }

  /** The stored dataset if the caller may read it (404 otherwise, or unless active). */
  async findReadable(ref: DatasetRef, principal: Principal): Promise<Dataset> {
    const dataset = await this.findActive(ref);
    assertReadable(principal, dataset, ref);
    return dataset;
  }

  /** The stored dataset if the caller may change it (404 if they may not read it, 403 if only read). */
  async findWritable(ref: DatasetRef, principal: Principal): Promise<Dataset> {
    const dataset = await this.findActive(ref);
    assertWritable(principal, dataset, ref);
    return dataset;
  }

  /** The stored dataset if the caller may manage it, as its owner or an admin (403 naming `what` otherwise). */
  async findManageable(ref: DatasetRef, principal: Principal, what: string): Promise<Dataset> {
    const dataset = await this.findWritable(ref, principal);
    assertManageable(principal, dataset, ref, what);
    return dataset;
  }

  /** The ids of every active dataset `principal` may read (for the audit log's scope). */
  readableIds(principal: Principal): Promise<string[]> {
    return this.datasets.readableIds(readerOf(principal));
  }

  /** Whether `principal` may read the dataset now (false for one that does not exist). */
  async mayReadById(id: Types.ObjectId, principal: Principal): Promise<boolean> {
    const dataset = await this.datasets.findById(id);
    return dataset?.state === 'active' && mayRead(principal, dataset);
  }

  /** The stored dataset as it is now, for a records write under way (its caller was checked already). */
  async findCurrent(id: Types.ObjectId): Promise<Dataset> {
    return this.findActive({ id });
  }

  /**
   * Points the dataset at the new series with its event, in one write under its lock; 404/409 if it was deleted, or its
   * records or the fields the points were checked against changed since `base` was read (an upload runs without the lock).
   */
  async commitRecords(
    base: Dataset,
    series: { id: string; count: number },
    type: 'dataset.records.appended' | 'dataset.records.deleted',
    change: RecordsChange,
    principal: Principal,
  ): Promise<void> {
    const id = base._id;
    await this.locks.withLock(datasetLockKey(id), CHANGE_DATASET, async () => {
      const current = await this.findActive({ id });
      // The dataset may have been taken away from the writer meanwhile (a transfer, a revoked grant).
      assertWritable(principal, current, { id });
      if (current.recordSeriesId !== base.recordSeriesId) {
        throw new ConflictError(`the records of dataset ${id.toHexString()} changed meanwhile; retry`);
      }
      const changed = base.fields.filter((field) => !current.fields.some((now) => now.name === field.name && now.type === field.type));
      if (changed.length > 0) {
        throw new ConflictError(
          `the fields of dataset ${id.toHexString()} changed meanwhile (${changed.map((f) => f.name).join(', ')}); retry`,
        );
      }
      const rev = current.rev + 1;
      const recorded = { type, id, sequence: rev, data: change, ownerId: current.ownerId.toHexString(), actor: actorOf(principal) };
      await this.outbox.recordChange(recorded, (event) => this.datasets.writeRecordsChange(id, series, rev, event));
    });
  }

  /**
   * Only what the caller may read: the filter is part of the query, so no page, cursor or count shows the rest.
   * With `trashed`, the caller's trash instead (see DatasetTrashService).
   */
  async search(query: SearchDatasetsQueryDto, principal: Principal): Promise<DatasetPageDto> {
    if (query.trashed) return this.trash.list(query, principal);
    const page = this.ownerFirstPage.serves(query)
      ? await this.ownerFirstPage.read(query, principal)
      : await this.datasets.search(query, readerOf(principal));
    return { items: page.rows.map(toDatasetResponse), nextCursor: page.nextCursor };
  }

  async update(ref: DatasetRef, dto: UpdateDatasetDto, principal: Principal): Promise<DatasetResponseDto> {
    const { _id } = await this.findWritable(ref, principal);
    return this.locks.withLock(datasetLockKey(_id), CHANGE_DATASET, async () => {
      const current = await this.findActive({ id: _id });
      assertWritable(principal, current, ref);
      const transfer = dto.ownerId !== undefined && dto.ownerId.toLowerCase() !== current.ownerId.toHexString();
      if (transfer) assertManageable(principal, current, ref, 'transfer it');
      if (dto.visibility !== undefined && dto.visibility !== visibilityOf(current))
        assertManageable(principal, current, ref, 'change its visibility');
      if (dto.fields !== undefined && hasRecords(current)) assertExtendsFields(current.fields, toFields(dto.fields ?? []));
      const changes = effectiveChanges(current, datasetChanges(dto));
      if (transfer) return this.transfer(current, new Types.ObjectId(dto.ownerId), changes, dto.name ?? current.name, principal);
      if (!hasChanges(changes)) return toDatasetResponse(current);
      const next = applyChanges(current, changes);
      const change = {
        type: 'dataset.updated' as const,
        id: _id,
        sequence: next.rev,
        data: toDatasetState(next),
        ownerId: next.ownerId.toHexString(),
        actor: actorOf(principal),
      };
      await this.outbox.recordChange(change, async (event) => {
        if (!(await this.datasets.writeChanges(_id, changes, next, event))) {
          throw await this.trash.nameTaken(current.ownerId, dto.name ?? current.name, principal);
        }
      });
      return toDatasetResponse(next);
    });
  }

  /**
   * Takes a dataset away from a user being deleted (see OwnedDatasets): under
   * the dataset's lock, purges it if the user still owns it — live or in the
   * trash, which nobody could restore once its owner is gone — or cancels its
   * transfer to the user.
   */
  async releaseFrom(id: Types.ObjectId, ownerId: Types.ObjectId, actor: EventActor): Promise<void> {
    await this.locks.withLock(datasetLockKey(id), CHANGE_DATASET, async () => {
      const dataset = await this.datasets.findById(id);
      const owned = (dataset?.state === 'active' || dataset?.state === 'trashed') && dataset.ownerId.equals(ownerId);
      if (dataset && owned) await this.purging.purge(dataset, actor);
      else if (dataset?.transferTo?.equals(ownerId)) await this.datasets.clearTransferMark(id);
    });
  }

  /** Removes a transfer mark left by a crashed transfer (see OwnershipJanitor). */
  async releaseAbandonedTransfer(id: Types.ObjectId, startedBefore: Date): Promise<boolean> {
    return this.locks.withLock(datasetLockKey(id), CHANGE_DATASET, async () => {
      const startedAt = await this.datasets.transferStartedAt(id);
      if (!startedAt || startedAt >= startedBefore) {
        // A note left by a crash: its mark gone, or set later than the note says.
        await this.datasets.settleNote('transfer', id, startedAt);
        return false;
      }
      await this.datasets.clearTransferMark(id);
      return true;
    });
  }

  /**
   * Settles an unconfirmed owner-index entry, under the dataset's lock (so no trash, purge or transfer is
   * under way): confirmed if the dataset is active and the user's; unlisted if it is gone (missing with an
   * id made before `startedBefore`: no create can still insert it), purged, or another user's (see OwnershipJanitor).
   */
  async settleOwnerEntry(ownerId: Types.ObjectId, id: Types.ObjectId, startedBefore: Date): Promise<OwnerEntrySettled> {
    return this.locks.withLock(datasetLockKey(id), CHANGE_DATASET, async () => {
      const dataset = await this.datasets.findById(id);
      const owned = dataset !== null && dataset.ownerId.equals(ownerId) && dataset.state !== 'deleted';
      if (owned && dataset.state === 'active') {
        await this.ownerIndex.confirm(ownerId, [id]);
        return 'confirmed';
      }
      // A create makes the id before it lists the dataset.
      const mayStillCome = !dataset && id.getTimestamp() >= startedBefore;
      if (owned || mayStillCome || dataset?.transferTo?.equals(ownerId)) return 'kept';
      await this.ownerIndex.remove(ownerId, [id]);
      return 'unlisted';
    });
  }

  // ---- internals ----------------------------------------------------------------------

  /** Runs under the dataset's lock (see update). */
  private async transfer(
    current: Dataset,
    to: Types.ObjectId,
    changes: FieldChanges,
    name: string,
    principal: Principal,
  ): Promise<DatasetResponseDto> {
    // The mark makes a concurrent deletion of `to` count this dataset, or cancel the transfer.
    await this.datasets.markTransfer(current._id, to);
    await this.ownerIndex.add(to, [current]);
    // Demoted before the move, confirmed for `to` after it: a crash in between leaves candidates, never a wrong confirmed entry.
    await this.ownerIndex.demote(current.ownerId, [current._id]);
    const moving: FieldChanges = {
      $set: { ...changes.$set, ownerId: to },
      $unset: { ...changes.$unset, transferTo: 1, transferStartedAt: 1 },
    };
    const moved = applyChanges(current, moving);
    const change = {
      type: 'dataset.transferred' as const,
      id: current._id,
      sequence: moved.rev,
      data: { fromOwnerId: current.ownerId.toHexString(), toOwnerId: to.toHexString(), dataset: toDatasetState(moved) },
      ownerId: to.toHexString(),
      actor: actorOf(principal),
    };
    await this.outbox.recordChange(change, async (event) => {
      try {
        await this.owners.assertAvailable(to);
        // Under the dataset's lock the mark is still ours: a cascade clears marks only under this lock too.
        if (!(await this.datasets.writeChanges(current._id, moving, moved, event))) throw await this.trash.nameTaken(to, name, principal);
      } catch (error) {
        await this.datasets.clearTransferMark(current._id);
        // A refusal (owner gone, name taken) wrote nothing: the dataset is still the owner's.
        if (error instanceof DomainError) await this.ownerIndex.confirm(current.ownerId, [current._id]);
        throw error;
      }
    });
    await this.ownerIndex.confirm(to, [current._id]);
    await this.ownerIndex.remove(current.ownerId, [current._id]);
    return toDatasetResponse(moved);
  }

  private async findActive(ref: DatasetRef): Promise<Dataset> {
    const dataset = await this.datasets.findByRef(ref);
    if (dataset?.state !== 'active') throw notFound(ref);
    return dataset;
  }
}
