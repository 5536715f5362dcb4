import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo, Types, UpdateQuery } from 'mongoose';
import { findEachById, findOneById } from '../common/mongo/find-by-ids';
import { decodeEntries, encodeEntries, ListedDatasets } from './owner-list-codec';
import { EntryState, OwnerIndexList } from './schemas/owner-index.schema';

export type { ListedDatasets, ListedEntry } from './owner-list-codec';

/** Lists per bulk write: FerretDB 1.24.2 holds a pooled connection per statement until the command ends (a bulk write of 1,000 updates kept it busy for minutes). */
const LISTS_PER_BULK_WRITE = 20;
/** The fields of lists written by older versions, replaced by `entries` on their next change. */
const OLDER_FIELDS = { datasetIds: 1, sortKeys: 1, states: 1 } as const;

type StoredList = Omit<OwnerIndexList, 'entries'> & { entries?: Uint8Array | mongo.Binary };

/** A list read to be changed (readForEdit): as stored (`current`, encoded `before`) and as changed (`list`). */
export interface ListEdit {
  ownerId: Types.ObjectId;
  current: StoredList | null;
  list: ListedDatasets;
  before: Buffer;
}

/** The one place that touches the OwnerIndexList model (see OwnerIndex). */
@Injectable()
export class OwnerIndexRepository {
  constructor(@InjectModel(OwnerIndexList.name) private readonly index: Model<OwnerIndexList>) {}

  /**
   * The datasets listed under each user, one lookup by id each (FerretDB scans for `$in`), straight through the
   * driver: every `GET /users/{id}` reads one, and a Mongoose query costs more CPU than the driver's read it makes.
   */
  async lists(ownerIds: readonly Types.ObjectId[]): Promise<ListedDatasets[]> {
    const stored = await Promise.all(ownerIds.map((id) => findOneById(this.index, id.toHexString())));
    return stored.map((list) => listed(list as StoredList | null));
  }

  /** Every user's list (reads the whole collection, one document per user: for the ownership janitor's repair). */
  async allLists(): Promise<{ ownerId: Types.ObjectId; list: ListedDatasets }[]> {
    const lists = await this.index.find({}).lean<StoredList[]>().exec();
    return lists
      .filter(({ _id }) => Types.ObjectId.isValid(_id))
      .map((list) => ({ ownerId: new Types.ObjectId(list._id), list: listed(list) }));
  }

  /**
   * Applies `edit` to a user's list and stores the result if it changed: one read, one write; returns the list as stored.
   * Read-then-write: only safe while the caller holds the list's lock.
   */
  async edit(ownerId: Types.ObjectId, edit: (list: ListedDatasets) => void): Promise<ListedDatasets> {
    const [editing] = await this.readForEdit([ownerId]);
    edit(editing.list);
    await this.writeEdited([editing]);
    return editing.list;
  }

  /** Users' lists as stored now, one lookup by id each, a few at a time, to change and store with writeEdited (holding their locks). */
  async readForEdit(ownerIds: readonly Types.ObjectId[]): Promise<ListEdit[]> {
    const current = await this.read(ownerIds);
    return ownerIds.map((ownerId, i) => {
      const list = listed(current[i]);
      return { ownerId, current: current[i], list, before: encodeEntries(list) };
    });
  }

  /**
   * Stores the lists of readForEdit that changed: a list never stored is inserted, the others updated (one update alone, more in
   * bulk writes of LISTS_PER_BULK_WRITE); each then counts as stored as it is. Only while holding their locks since the read.
   */
  async writeEdited(edits: readonly ListEdit[]): Promise<void> {
    const writes = edits.map((editing) => rewrite(editing.ownerId, editing.current, editing.list, editing.before));
    const inserts = writes.flatMap((write) => (write?.insert ? [write.insert] : []));
    const updates = writes.flatMap((write) => (write?.update ? [write.update] : []));
    await Promise.all([...inserts.map((insert) => this.index.collection.insertOne(insert as never)), this.writeAll(updates)]);
    edits.forEach((editing, i) => {
      if (!writes[i]) return;
      editing.before = encodeEntries(editing.list);
      editing.current = { _id: editing.ownerId.toHexString(), entries: editing.before };
    });
  }

  /** Sets the state of a list's entries (ids it does not list are left out); under the list's lock. */
  async setStates(ownerId: Types.ObjectId, ids: readonly Types.ObjectId[], state: EntryState): Promise<void> {
    if (ids.length === 0) return;
    await this.edit(ownerId, (list) => withStates(list, ids, () => state));
  }

  /** One update alone, more in bulk writes of LISTS_PER_BULK_WRITE. */
  private async writeAll(updates: readonly { filter: { _id: string }; update: UpdateQuery<OwnerIndexList> }[]): Promise<void> {
    if (updates.length === 0) return;
    if (updates.length === 1) await this.index.updateOne(updates[0].filter, updates[0].update).exec();
    else {
      for (let i = 0; i < updates.length; i += LISTS_PER_BULK_WRITE) {
        const batch = updates.slice(i, i + LISTS_PER_BULK_WRITE).map((updateOne) => ({ updateOne }));
        await this.index.bulkWrite(batch, { ordered: false });
      }
    }
  }

  private async read(ownerIds: readonly Types.ObjectId[]): Promise<(StoredList | null)[]> {
    return findEachById(
      this.index,
      ownerIds.map((id) => id.toHexString()),
    );
  }
}

function withStates(list: ListedDatasets, ids: readonly Types.ObjectId[], next: (was: EntryState | undefined) => EntryState): void {
  for (const id of ids) {
    const entry = list.get(id.toHexString());
    if (entry) entry.state = next(entry.state);
  }
}

/**
 * The write that stores `list` over `current` (null when nothing changed): the whole list as one value, the
 * fields of an older version's list dropped with it. A list never stored is inserted once it has entries.
 */
function rewrite(
  ownerId: Types.ObjectId,
  current: StoredList | null,
  list: ListedDatasets,
  before: Buffer,
): { insert?: StoredList; update?: { filter: { _id: string }; update: UpdateQuery<OwnerIndexList> } } | null {
  const _id = ownerId.toHexString();
  const entries = encodeEntries(list);
  if (!current) return list.size > 0 ? { insert: { _id, entries } } : null;
  if (entries.equals(before)) return null;
  const older = Object.keys(OLDER_FIELDS).filter((field) => field in current);
  const update: UpdateQuery<OwnerIndexList> = { $set: { entries } };
  if (older.length > 0) update.$unset = Object.fromEntries(older.map((field) => [field, 1 as const]));
  return { update: { filter: { _id }, update } };
}

/** A stored list as entries: its `entries`, or the fields a list of an older version has (entries without a state read as candidates). */
function listed(list: StoredList | null): ListedDatasets {
  if (list?.entries) return decodeEntries(list.entries instanceof Uint8Array ? list.entries : list.entries.value());
  return new Map((list?.datasetIds ?? []).map((id) => [id, { key: list?.sortKeys?.[id], state: list?.states?.[id] }]));
}
