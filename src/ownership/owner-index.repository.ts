import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types, UpdateQuery } from 'mongoose';
import { EntryState, ListedSortKey, OwnerIndexList } from './schemas/owner-index.schema';

/** One entry of a list: the dataset's sort keys and the entry's state, when the list has them. */
export interface ListedEntry {
  key?: ListedSortKey;
  state?: EntryState;
}

/** A user's list as edited: each listed dataset id with its entry. */
export type ListedDatasets = Map<string, ListedEntry>;

/** Lists per bulk write: FerretDB 1.24.2 holds a pooled connection per statement until the command ends (as ACTIVATE_BATCH). */
const LISTS_PER_BULK_WRITE = 20;

/** The one place that touches the OwnerIndexList model (see OwnerIndex). */
@Injectable()
export class OwnerIndexRepository {
  constructor(@InjectModel(OwnerIndexList.name) private readonly index: Model<OwnerIndexList>) {}

  /** The datasets listed under each user, one lookup by id each (FerretDB scans for `$in`). */
  async lists(ownerIds: readonly Types.ObjectId[]): Promise<ListedDatasets[]> {
    const lists = await Promise.all(ownerIds.map((id) => this.index.findById(id.toHexString()).lean().exec()));
    return lists.map(listed);
  }

  /** Every user's list (reads the whole collection, one document per user: for the ownership janitor's repair). */
  async allLists(): Promise<{ ownerId: Types.ObjectId; list: ListedDatasets }[]> {
    const lists = await this.index.find({}).lean().exec();
    return lists
      .filter(({ _id }) => Types.ObjectId.isValid(_id))
      .map((list) => ({ ownerId: new Types.ObjectId(list._id), list: listed(list) }));
  }

  /**
   * Applies `edit` to a user's list and stores the result if it changed.
   * Read-then-write: only safe while the caller holds the list's lock. Only
   * the states it changed are written (see OwnerIndexList.states).
   */
  async edit(ownerId: Types.ObjectId, edit: (list: ListedDatasets) => void): Promise<void> {
    const _id = ownerId.toHexString();
    const current = await this.index.findById(_id).lean().exec();
    const list = listed(current);
    const before = stored(list);
    const statesBefore = new Map([...list].map(([id, entry]) => [id, entry.state]));
    edit(list);
    const after = stored(list);
    const update: UpdateQuery<OwnerIndexList> = {};
    if (JSON.stringify(after) !== JSON.stringify(before)) update.$set = { ...after };
    for (const id of new Set([...statesBefore.keys(), ...list.keys()])) {
      const state = list.get(id)?.state;
      if (state === statesBefore.get(id)) continue;
      if (state === undefined) update.$unset = { ...update.$unset, [`states.${id}`]: 1 };
      else update.$set = { ...update.$set, [`states.${id}`]: state };
    }
    if (current) {
      if (update.$set || update.$unset) await this.index.updateOne({ _id }, update).exec();
    } else if (list.size > 0) {
      // The driver's insert: the model's `_id` is a string, which Mongoose's typings do not accept for an insert.
      await this.index.collection.insertOne({ _id, ...after, states: statesOf(list) } as never);
    }
  }

  /** Sets the state of entries in one write by bare `_id`, no read; under the list's lock (FerretDB applies an update as a read and a write). */
  async setStates(ownerId: Types.ObjectId, ids: readonly Types.ObjectId[], state: EntryState): Promise<void> {
    if (ids.length === 0) return;
    await this.index.updateOne({ _id: ownerId.toHexString() }, { $set: statePaths(ids, state) }).exec();
  }

  /**
   * Raises the state of entries to `state` where it is lower (`$max`), one update by bare `_id` per list, no read, in bulk
   * writes of LISTS_PER_BULK_WRITE; under the lists' locks too.
   */
  async raiseStates(
    confirmations: readonly { ownerId: Types.ObjectId; ids: readonly Types.ObjectId[] }[],
    state: EntryState,
  ): Promise<void> {
    const updates = confirmations
      .filter(({ ids }) => ids.length > 0)
      .map(({ ownerId, ids }) => ({ updateOne: { filter: { _id: ownerId.toHexString() }, update: { $max: statePaths(ids, state) } } }));
    if (updates.length === 1) await this.index.updateOne(updates[0].updateOne.filter, updates[0].updateOne.update).exec();
    else {
      for (let i = 0; i < updates.length; i += LISTS_PER_BULK_WRITE) {
        await this.index.bulkWrite(updates.slice(i, i + LISTS_PER_BULK_WRITE), { ordered: false });
      }
    }
  }
}

function statePaths(datasetIds: readonly Types.ObjectId[], state: EntryState): Record<string, EntryState> {
  return Object.fromEntries(datasetIds.map((id) => [`states.${id.toHexString()}`, state]));
}

function listed(list: OwnerIndexList | null): ListedDatasets {
  return new Map((list?.datasetIds ?? []).map((id) => [id, { key: list?.sortKeys?.[id], state: list?.states?.[id] }]));
}

function stored(list: ListedDatasets): Pick<OwnerIndexList, 'datasetIds' | 'sortKeys'> {
  const sortKeys: Record<string, ListedSortKey> = {};
  for (const [id, { key }] of list) if (key) sortKeys[id] = key;
  return { datasetIds: [...list.keys()], sortKeys };
}

function statesOf(list: ListedDatasets): Record<string, EntryState> {
  const states: Record<string, EntryState> = {};
  for (const [id, { state }] of list) if (state !== undefined) states[id] = state;
  return states;
}
