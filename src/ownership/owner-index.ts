import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { EntityLocks } from '../common/locks/entity-locks';
import { OwnerListsRepository } from './owner-lists.repository';

/** Keeps the per-user candidate lists (OwnerDatasetList); each list changes under its own lock. */
@Injectable()
export class OwnerIndex {
  constructor(
    private readonly index: OwnerListsRepository,
    private readonly locks: EntityLocks,
  ) {}

  /** Lists datasets under a user: call before the datasets can become theirs. */
  async add(ownerId: Types.ObjectId, datasetIds: readonly Types.ObjectId[]): Promise<void> {
    await this.change(ownerId, (ids) => {
      for (const id of datasetIds) ids.add(id.toHexString());
    });
  }

  /** Takes datasets off a user's list: call once they are no longer theirs (under the dataset's lock). */
  async remove(ownerId: Types.ObjectId, datasetIds: readonly Types.ObjectId[]): Promise<void> {
    await this.change(ownerId, (ids) => {
      for (const id of datasetIds) ids.delete(id.toHexString());
    });
  }

  /** The datasets listed under each user (candidates: check their ownerId). */
  async candidates(ownerIds: readonly Types.ObjectId[]): Promise<Map<string, Types.ObjectId[]>> {
    const lists = await this.index.lists(ownerIds);
    return new Map(ownerIds.map((id, i) => [id.toHexString(), lists[i].map((dataset) => new Types.ObjectId(dataset))]));
  }

  private async change(ownerId: Types.ObjectId, edit: (ids: Set<string>) => void): Promise<void> {
    await this.locks.withLock(`owner-index:${ownerId.toHexString()}`, { purpose: 'owner-index' }, () => this.index.edit(ownerId, edit));
  }
}
