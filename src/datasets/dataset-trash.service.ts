import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { actorOf, Principal } from '../access/principal';
import { DuplicateNameError } from '../common/errors/domain-errors';
import { EntityLocks } from '../common/locks/entity-locks';
import { searchKey } from '../common/mongo/text';
import { AppConfig } from '../config/app-config';
import { EventActor } from '../events/contract';
import { Outbox } from '../events/outbox/outbox';
import { OwnerIndex } from '../ownership/owner-index';
import { assertReadable, assertWritable, mayManage, readerOf } from './dataset-access';
import { CHANGE_DATASET, datasetLockKey } from './dataset-lock';
import { DatasetPurge } from './dataset-purge';
import { duplicateName, notFound, DatasetRef } from './dataset-rules';
import {
  assertInTrashOf,
  notInTrash,
  permanentDeletionForbidden,
  purgeAtOf,
  purgeCutoff,
  seesTrashOf,
  trashedNameTaken,
} from './dataset-trash-rules';
import { DatasetsRepository } from './datasets.repository';
import {
  DatasetPageDto,
  DatasetResponseDto,
  toDatasetResponse,
  toDatasetState,
  toTrashedDatasetResponse,
} from './dto/dataset-response.dto';
import { SearchDatasetsQueryDto } from './dto/search-datasets-query.dto';
import { Dataset } from './schemas/dataset.schema';

/** The registry's own purges of expired trash are made by this actor. */
export const TRASH_JANITOR: EventActor = { type: 'system', name: 'trash-janitor' };

/**
 * The trash: a trashed dataset is invisible but to the trash listing, still owned (its name reserved), its records kept, until
 * restored or purged `TRASH_RETENTION_DAYS` after (`permanent`: at once); each change under its lock with its event (docs/outbox.md).
 */
@Injectable()
export class DatasetTrashService {
  private readonly retentionDays: number;

  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly locks: EntityLocks,
    private readonly outbox: Outbox,
    private readonly purging: DatasetPurge,
    config: AppConfig,
    private readonly ownerIndex: OwnerIndex,
  ) {
    this.retentionDays = config.trash.retentionDays;
  }

  /** `DELETE /datasets/{id}`: to the trash (owner, write grantee, admin), or purged at once with `permanent` (owner, admin). */
  async remove(ref: DatasetRef, permanent: boolean, principal: Principal): Promise<void> {
    const { _id } = await this.findFor(ref, principal, permanent);
    await this.locks.withLock(datasetLockKey(_id), CHANGE_DATASET, async () => {
      const current = await this.findFor({ id: _id }, principal, permanent, ref);
      if (permanent) await this.purging.purge(current, actorOf(principal));
      else await this.trash(current, principal);
    });
  }

  /** `POST /datasets/{id}/restore`: the owner or an admin; 409 for a dataset that is not in the trash. */
  async restore(ref: DatasetRef, principal: Principal): Promise<DatasetResponseDto> {
    const { _id } = await this.findTrashed(ref, principal);
    return this.locks.withLock(datasetLockKey(_id), CHANGE_DATASET, async () => {
      const current = await this.findTrashed({ id: _id }, principal, ref);
      const rev = current.rev + 1;
      const restored: Dataset = { ...current, state: 'active', rev };
      delete restored.trashedAt;
      const change = {
        type: 'dataset.restored' as const,
        id: _id,
        sequence: rev,
        data: toDatasetState(restored),
        ownerId: restored.ownerId.toHexString(),
        actor: actorOf(principal),
      };
      await this.outbox.recordChange(change, (event) => this.datasets.markRestored(_id, rev, event));
      await this.ownerIndex.confirm(restored.ownerId, [_id]);
      return toDatasetResponse(restored);
    });
  }

  /** `GET /datasets?trashed=true`: the caller's trash (an admin's: everyone's), with when each is purged. */
  async list(query: SearchDatasetsQueryDto, principal: Principal): Promise<DatasetPageDto> {
    const page = await this.datasets.searchTrash(query, readerOf(principal));
    return { items: page.rows.map((row) => toTrashedDatasetResponse(row, this.purgeAt(row))), nextCursor: page.nextCursor };
  }

  /** The trash janitor's purge of one dataset, if it is still trashed since before `cutoff` (checked under its lock). */
  async purgeExpired(id: Types.ObjectId, cutoff: Date): Promise<boolean> {
    return this.locks.withLock(datasetLockKey(id), CHANGE_DATASET, async () => {
      const current = await this.datasets.findById(id);
      const trashedAt = current?.state === 'trashed' ? current.trashedAt : undefined;
      if (!current || !trashedAt || trashedAt >= cutoff) {
        // A note left by a crash: its dataset out of the trash, or trashed later than the note says.
        await this.datasets.settleNote('trash', id, trashedAt);
        return false;
      }
      await this.purging.purge(current, TRASH_JANITOR);
      return true;
    });
  }

  /** Datasets trashed before this instant are due for purging at `now`. */
  cutoffAt(now: Date): Date {
    return purgeCutoff(now, this.retentionDays);
  }

  /**
   * The 409 for a name the owner's namespace refused: a trashed dataset holding
   * it says so, and how to free it.
   */
  async nameTaken(ownerId: Types.ObjectId, name: string, principal: Principal): Promise<DuplicateNameError> {
    const holder = await this.datasets.findNameHolder(ownerId, searchKey(name));
    if (holder?.state !== 'trashed' || !holder.trashedAt) return duplicateName(name);
    return trashedNameTaken(name, holder, this.purgeAt(holder), seesTrashOf(principal, ownerId, holder._id));
  }

  private purgeAt(dataset: Pick<Dataset, 'trashedAt'>): Date {
    return purgeAtOf(dataset.trashedAt ?? new Date(), this.retentionDays);
  }

  /** Runs under the dataset's lock. */
  private async trash(current: Dataset, principal: Principal): Promise<void> {
    const trashedAt = new Date();
    const rev = current.rev + 1;
    const data = {
      dataset: toDatasetState(current),
      trashedAt: trashedAt.toISOString(),
      purgeAt: this.purgeAt({ trashedAt }).toISOString(),
    };
    const change = {
      type: 'dataset.trashed' as const,
      id: current._id,
      sequence: rev,
      data,
      ownerId: current.ownerId.toHexString(),
      actor: actorOf(principal),
    };
    // Demoted first: a crash after it leaves a candidate, which readers check, never a confirmed entry that is wrong.
    await this.ownerIndex.demote(current.ownerId, [current._id]);
    await this.outbox.recordChange(change, (event) => this.datasets.markTrashed(current._id, trashedAt, rev, event));
  }

  /**
   * The dataset a deletion acts on. Moving to the trash: an active dataset the
   * caller may change. Purging: an active one the caller manages (404 if they
   * may not read it, 403 if they may not manage it), or one in their trash.
   */
  private async findFor(ref: DatasetRef, principal: Principal, permanent: boolean, shown = ref): Promise<Dataset> {
    const dataset = await this.datasets.findByRef(ref);
    if (dataset?.state === 'active') {
      if (!permanent) assertWritable(principal, dataset, shown);
      else if (!mayManage(principal, dataset)) {
        assertReadable(principal, dataset, shown);
        throw permanentDeletionForbidden(dataset);
      }
      return dataset;
    }
    if (!dataset || !permanent) throw notFound(shown);
    assertInTrashOf(principal, dataset, shown);
    return dataset;
  }

  /** A dataset in the caller's trash; 409 for an active one they may read, 404 for anything else. */
  private async findTrashed(ref: DatasetRef, principal: Principal, shown = ref): Promise<Dataset> {
    const dataset = await this.datasets.findByRef(ref);
    if (!dataset) throw notFound(shown);
    if (dataset.state === 'active') {
      assertReadable(principal, dataset, shown);
      throw notInTrash(shown);
    }
    assertInTrashOf(principal, dataset, shown);
    return dataset;
  }
}
