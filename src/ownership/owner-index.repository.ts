import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { ListedSortKey, OwnerIndexList } from './schemas/owner-index.schema';

/** A user's list as edited: each listed dataset id with its sort key, when known. */
export type ListedDatasets = Map<string, ListedSortKey | undefined>;

/** The one place that touches the OwnerIndexList model (see OwnerIndex). */
@Injectable()
export class OwnerIndexRepository {
  constructor(@InjectModel(OwnerIndexList.name) private readonly index: Model<OwnerIndexList>) {}

  /** The datasets listed under each user, one lookup by id each (FerretDB scans for `$in`). */
  async lists(ownerIds: readonly Types.ObjectId[]): Promise<ListedDatasets[]> {
    const lists = await Promise.all(ownerIds.map((id) => this.index.findById(id.toHexString()).lean().exec()));
    return lists.map(listed);
  }

  /**
   * Applies `edit` to a user's list and stores the result if it changed.
   * Read-then-write: only safe while the caller holds the list's lock.
   */
  async edit(ownerId: Types.ObjectId, edit: (list: ListedDatasets) => void): Promise<void> {
    const _id = ownerId.toHexString();
    const current = await this.index.findById(_id).lean().exec();
    const list = listed(current);
    const before = stored(list);
    edit(list);
    const after = stored(list);
    if (current && JSON.stringify(after) === JSON.stringify(before)) return;
    if (current) await this.index.updateOne({ _id }, { $set: after }).exec();
    // The driver's insert: the model's `_id` is a string, which Mongoose's typings do not accept for an insert.
    else if (list.size > 0) await this.index.collection.insertOne({ _id, ...after } as never);
  }
}

function listed(list: OwnerIndexList | null): ListedDatasets {
  return new Map((list?.datasetIds ?? []).map((id) => [id, list?.sortKeys?.[id]]));
}

function stored(list: ListedDatasets): Pick<OwnerIndexList, 'datasetIds' | 'sortKeys'> {
  const sortKeys: Record<string, ListedSortKey> = {};
  for (const [id, key] of list) if (key) sortKeys[id] = key;
  return { datasetIds: [...list.keys()], sortKeys };
}
