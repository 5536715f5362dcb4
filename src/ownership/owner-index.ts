import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { EntityLocks } from '../common/locks/entity-locks';
import { ListedDatasets, OwnerIndexRepository } from './owner-index.repository';

/** A dataset as a list names it: its id and what it sorts by. */
export interface ListedDataset {
  _id: Types.ObjectId;
  seq: number;
  createdAt: Date;
}

/** Keeps the per-user candidate lists (OwnerIndexList); each list changes under its own lock. */
@Injectable()
export class OwnerIndex {
  constructor(
    private readonly index: OwnerIndexRepository,
    private readonly locks: EntityLocks,
  ) {}

  /** Lists datasets under a user: call before the datasets can become theirs. */
  async add(ownerId: Types.ObjectId, datasets: readonly ListedDataset[]): Promise<void> {
    await this.change(ownerId, (list) => {
      for (const { _id, seq, createdAt } of datasets) list.set(_id.toHexString(), { seq, at: createdAt.getTime() });
    });
  }

  /** Takes datasets off a user's list: call once they are no longer theirs (under the dataset's lock). */
  async remove(ownerId: Types.ObjectId, datasetIds: readonly Types.ObjectId[]): Promise<void> {
    await this.change(ownerId, (list) => {
      for (const id of datasetIds) list.delete(id.toHexString());
    });
  }

  /** The datasets listed under each user (candidates: check their ownerId). */
  async candidates(ownerIds: readonly Types.ObjectId[]): Promise<Map<string, Types.ObjectId[]>> {
    const lists = await this.index.lists(ownerIds);
    return new Map(ownerIds.map((id, i) => [id.toHexString(), [...lists[i].keys()].map((dataset) => new Types.ObjectId(dataset))]));
  }

  /** The datasets listed under a user with their sort keys where the list has them (candidates too). */
  async listed(ownerId: Types.ObjectId): Promise<{ _id: Types.ObjectId; seq?: number; createdAt?: Date }[]> {
    const [list] = await this.index.lists([ownerId]);
    return [...list].map(([id, key]) => ({ _id: new Types.ObjectId(id), ...(key ? { seq: key.seq, createdAt: new Date(key.at) } : {}) }));
  }

  private async change(ownerId: Types.ObjectId, edit: (list: ListedDatasets) => void): Promise<void> {
    await this.locks.withLock(`owner-index:${ownerId.toHexString()}`, { purpose: 'owner-index' }, () => this.index.edit(ownerId, edit));
  }
}
