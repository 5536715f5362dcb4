import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { EntityLocks } from '../common/locks/entity-locks';
import { OwnerDatasetList } from './schemas/owner-index.schema';

/** Keeps the per-user candidate lists (OwnerDatasetList); each list changes under its own lock. */
@Injectable()
export class OwnerIndex {
  constructor(
    @InjectModel(OwnerDatasetList.name) private readonly index: Model<OwnerDatasetList>,
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
    const lists = await Promise.all(ownerIds.map((id) => this.index.findById(id.toHexString()).lean().exec()));
    return new Map(ownerIds.map((id, i) => [id.toHexString(), (lists[i]?.datasetIds ?? []).map((dataset) => new Types.ObjectId(dataset))]));
  }

  private async change(ownerId: Types.ObjectId, edit: (ids: Set<string>) => void): Promise<void> {
    const _id = ownerId.toHexString();
    await this.locks.withLock(`owner-index:${_id}`, { purpose: 'owner-index' }, async () => {
      const current = await this.index.findById(_id).lean().exec();
      const ids = new Set(current?.datasetIds ?? []);
      const size = ids.size;
      edit(ids);
      if (current && ids.size === size && [...ids].every((id) => current.datasetIds.includes(id))) return;
      if (current) await this.index.updateOne({ _id }, { $set: { datasetIds: [...ids] } }).exec();
      else if (ids.size > 0) await this.index.collection.insertOne({ _id, datasetIds: [...ids] } as never);
    });
  }
}
