import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { OwnerDatasetList } from './schemas/owner-index.schema';

/** The one place that touches the OwnerDatasetList model (see OwnerIndex). */
@Injectable()
export class OwnerListsRepository {
  constructor(@InjectModel(OwnerDatasetList.name) private readonly index: Model<OwnerDatasetList>) {}

  /** The dataset ids listed under each user, one lookup by id each (FerretDB scans for `$in`). */
  async lists(ownerIds: readonly Types.ObjectId[]): Promise<string[][]> {
    const lists = await Promise.all(ownerIds.map((id) => this.index.findById(id.toHexString()).lean().exec()));
    return lists.map((list) => list?.datasetIds ?? []);
  }

  /**
   * Applies `edit` to a user's list and stores the result if it changed.
   * Read-then-write: only safe while the caller holds the list's lock.
   */
  async edit(ownerId: Types.ObjectId, edit: (ids: Set<string>) => void): Promise<void> {
    const _id = ownerId.toHexString();
    const current = await this.index.findById(_id).lean().exec();
    const ids = new Set(current?.datasetIds ?? []);
    const size = ids.size;
    edit(ids);
    if (current && ids.size === size && [...ids].every((id) => current.datasetIds.includes(id))) return;
    if (current) await this.index.updateOne({ _id }, { $set: { datasetIds: [...ids] } }).exec();
    // The driver's insert: the model's `_id` is a string, which Mongoose's typings do not accept for an insert.
    else if (ids.size > 0) await this.index.collection.insertOne({ _id, datasetIds: [...ids] } as never);
  }
}
