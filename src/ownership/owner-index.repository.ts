import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types, UpdateQuery } from 'mongoose';
import { findEachById, findOneById, removeByIds } from '../common/mongo/find-by-ids';
import {
  changedChunks,
  chunkId,
  laterChunkIds,
  layoutOf,
  OLDER_FIELDS,
  placeEntries,
  StoredChunk,
  StoredLayout,
  UNREAD,
} from './owner-list-chunks';
import { encodeEntries, ListedDatasets } from './owner-list-codec';
import { Compaction, compaction, retiredIds } from './owner-list-compaction';
import { EntryState, OwnerIndexList } from './schemas/owner-index.schema';

export type { ListedDatasets, ListedEntry } from './owner-list-codec';

/** Lists per bulk write: FerretDB 1.24.2 holds a pooled connection per statement until the command ends (a bulk write of 1,000 updates kept it busy for minutes). */
const LISTS_PER_BULK_WRITE = 20;

/** Reads of a list a reader makes at most while compactions switch its generation under it (each retry needs a new one). */
const READ_ATTEMPTS = 5;

/** A list read to be changed (readForEdit): as stored (`layout`, encoded whole `before`) and as changed (`list`). */
export interface ListEdit {
  ownerId: Types.ObjectId;
  layout: StoredLayout;
  list: ListedDatasets;
  before: Buffer;
}

type Update = { filter: { _id: string }; update: UpdateQuery<OwnerIndexList>; upsert?: boolean };

/** The one place that touches the OwnerIndexList model (see OwnerIndex). A list is a head and chunks (owner-list-chunks.ts). */
@Injectable()
export class OwnerIndexRepository {
  constructor(@InjectModel(OwnerIndexList.name) private readonly index: Model<OwnerIndexList>) {}

  /**
   * The datasets listed under each user: the head, then the chunks it counts side by side, each one lookup by id (FerretDB
   * scans for `$in`), straight through the driver: every `GET /users/{id}` reads them, and a Mongoose query costs more CPU
   * than the driver's read it makes. A chunk written after the head was read is not counted: it holds only new entries.
   */
  async lists(ownerIds: readonly Types.ObjectId[]): Promise<ListedDatasets[]> {
    return Promise.all(ownerIds.map((ownerId) => this.readList(ownerId.toHexString())));
  }

  /**
   * One list, read without its lock. A counted chunk missing was deleted by a compaction after the head was read (the chunks
   * of a generation are written before the head that names it, and deleted only after a head names the next one): the head
   * is read again and, if it names a new generation, the list is read anew from it — never a mix of two generations. A chunk
   * missing under the same generation (none is, but for damage) reads as empty, as before generations.
   */
  private async readList(ownerId: string): Promise<ListedDatasets> {
    let head = (await findOneById(this.index, ownerId)) as StoredChunk | null;
    for (let attempt = 1; ; attempt++) {
      const later = await Promise.all(laterChunkIds(ownerId, head).map((id) => findOneById(this.index, id)));
      if (!later.includes(null)) return layoutOf(head, later).list;
      const again = (await findOneById(this.index, ownerId)) as StoredChunk | null;
      if ((again?.gen ?? 0) === (head?.gen ?? 0)) return layoutOf(head, later).list;
      if (attempt === READ_ATTEMPTS) throw new Error(`the owner list of ${ownerId} was compacted ${attempt} times while read`);
      head = again;
    }
  }

  /** Every user's list (reads the whole collection: for the ownership janitor's repair). */
  async allLists(): Promise<{ ownerId: Types.ObjectId; list: ListedDatasets }[]> {
    const docs = await this.index.find({}).lean<StoredChunk[]>().exec();
    const byId = new Map(docs.map((doc) => [doc._id, doc]));
    const heads = docs.filter(({ _id }) => Types.ObjectId.isValid(_id) && !_id.includes(':'));
    return Promise.all(
      heads.map(async (head) => {
        const later = laterChunkIds(head._id, head).map((id) => byId.get(id) ?? null);
        // A chunk missing from the scan: a compaction ran during it; that list is read again on its own.
        const list = later.includes(null) ? await this.readList(head._id) : layoutOf(head, later).list;
        return { ownerId: new Types.ObjectId(head._id), list };
      }),
    );
  }

  /**
   * Applies `edit` to a user's list and stores the result if it changed; returns the list as stored.
   * Read-then-write: only safe while the caller holds the list's lock.
   */
  async edit(ownerId: Types.ObjectId, edit: (list: ListedDatasets) => void): Promise<ListedDatasets> {
    const [editing] = await this.readForEdit([ownerId]);
    edit(editing.list);
    await this.writeEdited([editing]);
    return editing.list;
  }

  /** Users' lists as stored now (their heads in one query by `_id`, then their later chunks in one), to change and store with writeEdited (holding their locks). */
  readForEdit(ownerIds: readonly Types.ObjectId[]): Promise<ListEdit[]> {
    return this.readChunks(ownerIds, (later) => later);
  }

  /**
   * Users' lists to list new datasets in (a create, holding their locks): the head and the last chunk only, whatever the
   * list's length. A create changes no entry it did not add, and adds to the last chunk, then new chunks (placeEntries).
   */
  readForCreate(ownerIds: readonly Types.ObjectId[]): Promise<ListEdit[]> {
    return this.readChunks(ownerIds, (later) => later.slice(-1));
  }

  /**
   * Stores the lists of readForEdit that changed, rewriting only the chunks that changed (a list never stored gets its head
   * inserted): first every changed later chunk, then the heads that count them, so no reader is sent to a chunk not yet
   * written (more than one update in bulk writes of LISTS_PER_BULK_WRITE). A list read whole whose chunks are sparse is
   * compacted instead (owner-list-compaction.ts): its chunks written packed in a new generation, then its head naming it, then
   * the old generation deleted. Each then counts as stored as it is. Only while holding their locks since the read.
   */
  async writeEdited(edits: readonly ListEdit[]): Promise<void> {
    await this.deleteRetired(edits.filter(({ layout }) => layout.retired));
    const changed = edits.filter((editing) => !encodeEntries(editing.list).equals(editing.before));
    const writes = changed.map((editing) => {
      const compacting = compaction(editing.ownerId.toHexString(), editing.list, editing.layout);
      return { editing, compacting, placed: compacting?.placed ?? placeEntries(editing.list, editing.layout) };
    });
    const planned = writes.map(({ editing, placed, compacting }) => plan(editing, placed, compacting));
    const chunkWrites = planned.flatMap(({ chunks }) => chunks);
    const leftovers = writes.flatMap(({ compacting }) => compacting?.leftovers ?? []);
    // A head counting no new chunk may go with the chunk writes: each entry is in one document only.
    const [first, after] = [planned.filter((p) => !p.counts), planned.filter((p) => p.counts)];
    const headsOf = (some: typeof planned) => some.flatMap(({ head }) => (head?.update ? [head.update] : []));
    const insertsOf = (some: typeof planned) => some.flatMap(({ head }) => (head?.insert ? [head.insert] : []));
    const insert = (doc: StoredChunk) => this.index.collection.insertOne(doc as never);
    const dropLeftovers = leftovers.length > 0 ? removeByIds(this.index, leftovers) : undefined;
    await Promise.all([...insertsOf(first).map(insert), this.writeAll([...chunkWrites, ...headsOf(first)]), dropLeftovers]);
    await Promise.all([...insertsOf(after).map(insert), this.writeAll(headsOf(after))]);
    for (const { editing, placed, compacting } of writes) {
      editing.layout = storedAs(editing.list, placed, compacting ? [] : editing.layout.stored, compacting ?? editing.layout);
      editing.before = encodeEntries(editing.list);
    }
    await this.deleteRetired(writes.flatMap(({ editing, compacting }) => (compacting ? [editing] : [])));
  }

  /**
   * Deletes the chunks of the generations these lists' heads retired, then unsets `retired`: right after a compaction, or at
   * the next change of a list whose compaction stopped (a crash) between its head's write and this.
   */
  private async deleteRetired(edits: readonly ListEdit[]): Promise<void> {
    if (edits.length === 0) return;
    await removeByIds(
      this.index,
      edits.flatMap(({ ownerId, layout }) => (layout.retired ? retiredIds(ownerId.toHexString(), layout.retired) : [])),
    );
    await this.writeAll(edits.map(({ ownerId }) => ({ filter: { _id: ownerId.toHexString() }, update: { $unset: { retired: 1 } } })));
    for (const { layout } of edits) delete layout.retired;
  }

  /** Sets the state of a list's entries (ids it does not list are left out); under the list's lock. */
  async setStates(ownerId: Types.ObjectId, ids: readonly Types.ObjectId[], state: EntryState): Promise<void> {
    if (ids.length === 0) return;
    await this.edit(ownerId, (list) => withStates(list, ids, () => state));
  }

  /** One update alone, more in bulk writes of LISTS_PER_BULK_WRITE. */
  private async writeAll(updates: readonly Update[]): Promise<void> {
    if (updates.length === 0) return;
    if (updates.length === 1) await this.index.updateOne(updates[0].filter, updates[0].update, { upsert: updates[0].upsert }).exec();
    else {
      for (let i = 0; i < updates.length; i += LISTS_PER_BULK_WRITE) {
        const batch = updates.slice(i, i + LISTS_PER_BULK_WRITE).map((updateOne) => ({ updateOne }));
        await this.index.bulkWrite(batch, { ordered: false });
      }
    }
  }

  /** The heads in one query by `_id`, then the later chunks `pick` keeps of each in one; the others stay UNREAD. */
  private async readChunks(ownerIds: readonly Types.ObjectId[], pick: (later: string[]) => string[]): Promise<ListEdit[]> {
    const hex = ownerIds.map((id) => id.toHexString());
    const heads = await this.read(hex);
    const laterIds = hex.map((id, i) => laterChunkIds(id, heads[i]));
    const picked = laterIds.map(pick);
    const read = picked.some((ids) => ids.length > 0) ? await this.read(picked.flat()) : [];
    let at = 0;
    return ownerIds.map((ownerId, i) => {
      const got = read.slice(at, (at += picked[i].length));
      const later = laterIds[i].map((id) => (picked[i].includes(id) ? got[picked[i].indexOf(id)] : UNREAD));
      const layout = layoutOf(heads[i], later);
      return { ownerId, layout, list: layout.list, before: encodeEntries(layout.list) };
    });
  }

  private async read(ids: readonly string[]): Promise<(StoredChunk | null)[]> {
    return findEachById(this.index, ids);
  }
}

function withStates(list: ListedDatasets, ids: readonly Types.ObjectId[], next: (was: EntryState | undefined) => EntryState): void {
  for (const id of ids) {
    const entry = list.get(id.toHexString());
    if (entry) entry.state = next(entry.state);
  }
}

/**
 * The writes that store `placed` over what is stored: each later chunk that changed (an upsert: a crash may have left one
 * written that its head never counted), and the head if its chunk, its count or its form changed. `counts`: the head
 * counts chunks it did not count before (or drops an earlier form, or names a new generation), so it goes after them.
 */
function plan(
  editing: ListEdit,
  placed: ListedDatasets[],
  compacting?: Compaction,
): { chunks: Update[]; head?: { insert?: StoredChunk; update?: Update }; counts: boolean } {
  const ownerId = editing.ownerId.toHexString();
  const { headStored, older } = editing.layout;
  // A compaction writes every chunk of its new generation.
  const stored = compacting ? placed.map(() => null) : editing.layout.stored;
  const gen = compacting?.gen ?? editing.layout.gen;
  const changed = changedChunks(placed, stored);
  const chunks = changed
    .filter(({ index }) => index > 0)
    .map(({ index, entries }) => ({ filter: { _id: chunkId(ownerId, index, gen) }, update: { $set: { entries } }, upsert: true }));
  const counts = placed.length !== stored.length || stored.some((bytes) => bytes === null);
  const headEntries = changed.find(({ index }) => index === 0)?.entries;
  if (!headEntries && !counts) return { chunks, counts };
  const head = {
    entries: headEntries ?? encodeEntries(placed[0]),
    ...(placed.length > 1 || compacting ? { chunks: placed.length } : {}),
    ...(compacting ? { gen, retired: compacting.retired } : {}),
  };
  if (!headStored) return { chunks, head: { insert: { _id: ownerId, ...head } }, counts };
  const update: UpdateQuery<OwnerIndexList> = { $set: head };
  if (older) update.$unset = Object.fromEntries(OLDER_FIELDS.map((field) => [field, 1 as const]));
  return { chunks, head: { update: { filter: { _id: ownerId }, update } }, counts };
}

/** The layout of a list just stored as `placed` in generation `gen` (the chunks not read before still not read). */
function storedAs(
  list: ListedDatasets,
  placed: readonly ListedDatasets[],
  before: StoredLayout['stored'],
  { gen, retired }: Pick<StoredLayout, 'gen' | 'retired'>,
): StoredLayout {
  const chunkOf = new Map(placed.flatMap((chunk, index) => [...chunk.keys()].map((id) => [id, index] as const)));
  const stored = placed.map((chunk, index) => (before[index] === UNREAD ? UNREAD : encodeEntries(chunk)));
  return { list, chunkOf, stored, headStored: true, older: false, gen, ...(retired ? { retired } : {}) };
}
