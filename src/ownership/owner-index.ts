import { Injectable, Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { EntityLocks } from '../common/locks/entity-locks';
import { ListEdit, OwnerIndexRepository } from './owner-index.repository';
import { ListedDatasets } from './owner-list-codec';
import { ENTRY_STATE } from './schemas/owner-index.schema';

/** A dataset as a list names it: its id and what it sorts by. */
export interface ListedDataset {
  _id: Types.ObjectId;
  seq: number;
  createdAt: Date;
}

/** A listed dataset as readers see it: its sort keys where the list has them, and whether its entry is confirmed. */
export interface OwnerEntry {
  _id: Types.ObjectId;
  seq?: number;
  createdAt?: Date;
  /** Active and owned by the list's user: no need to read the dataset to know. */
  confirmed: boolean;
}

/**
 * Keeps the per-user lists (OwnerIndexList): a superset of each user's datasets, whose confirmed entries are
 * true. Each list changes under its own lock; the changes of an entry's state are ordered around the
 * dataset's own writes (docs/architecture.md#the-owner-index): confirmed only after the write that made
 * the dataset active and the user's, demoted before any write that ends that.
 */
@Injectable()
export class OwnerIndex {
  private readonly logger = new Logger(OwnerIndex.name);

  constructor(
    private readonly index: OwnerIndexRepository,
    private readonly locks: EntityLocks,
  ) {}

  /** Lists datasets under a user as candidates: call before the datasets can become theirs (a transfer in). */
  async add(ownerId: Types.ObjectId, datasets: readonly ListedDataset[]): Promise<void> {
    await this.change(ownerId, (list) => {
      for (const { _id, seq, createdAt } of datasets)
        list.set(_id.toHexString(), { key: { seq, at: createdAt.getTime() }, state: ENTRY_STATE.candidate });
    });
  }

  /** Takes datasets off a user's list: call once they are no longer theirs (under the dataset's lock). */
  async remove(ownerId: Types.ObjectId, datasetIds: readonly Types.ObjectId[]): Promise<void> {
    await this.change(ownerId, (list) => {
      for (const id of datasetIds) list.delete(id.toHexString());
    });
  }

  /**
   * For a create: holds the lists of `ownerIds` that are free now (one batch of locks; a busy one is left out at once, never
   * waited for while holding the others: the caller tries its owners again) while `create` runs, so no user deletion reads a
   * list between its datasets' listing and their insert (docs/architecture.md#the-owner-index). The held lists are read at
   * once, beside the create's owner check.
   */
  async creating<T>(ownerIds: readonly Types.ObjectId[], create: (lists: HeldLists) => Promise<T>): Promise<T> {
    const byKey = new Map(ownerIds.map((id) => [listLockKey(id), id]));
    return this.locks.withLocks([...byKey.keys()], { ...LIST_LOCK, waitMs: 0 }, (held) =>
      create(
        new HeldLists(
          this.index,
          this.logger,
          held.flatMap(({ key }) => byKey.get(key) ?? []),
        ),
      ),
    );
  }

  /**
   * The datasets listed under a user, read holding the list's lock (a user deletion's look): a create holds it from its
   * owner check to its insert, so every dataset it makes is either seen here or made after its owner check saw the deletion.
   */
  async candidatesHeld(ownerId: Types.ObjectId): Promise<Types.ObjectId[]> {
    return this.locks.withLock(listLockKey(ownerId), LIST_LOCK, async () => (await this.listed(ownerId)).map(({ _id }) => _id));
  }

  /** Confirms datasets after the write that made them active and the user's (a restore, a transfer in), under the datasets' locks. */
  async confirm(ownerId: Types.ObjectId, datasetIds: readonly Types.ObjectId[]): Promise<void> {
    await this.confirming(`${datasetIds.length} datasets of user ${ownerId.toHexString()}`, () =>
      this.underLock(ownerId, () => this.index.setStates(ownerId, datasetIds, ENTRY_STATE.confirmed)),
    );
  }

  /** Makes entries candidates again before a write that may end the dataset's being active and the user's, under the datasets' locks. */
  async demote(ownerId: Types.ObjectId, datasetIds: readonly Types.ObjectId[]): Promise<void> {
    await this.underLock(ownerId, () => this.index.setStates(ownerId, datasetIds, ENTRY_STATE.candidate));
  }

  /** The datasets listed under each user (candidates: check their ownerId). */
  async candidates(ownerIds: readonly Types.ObjectId[]): Promise<Map<string, Types.ObjectId[]>> {
    const entries = await this.entries(ownerIds);
    return new Map([...entries].map(([ownerId, listed]) => [ownerId, listed.map(({ _id }) => _id)]));
  }

  /** The datasets listed under each user, with their sort keys where the list has them and whether they are confirmed. */
  async entries(ownerIds: readonly Types.ObjectId[]): Promise<Map<string, OwnerEntry[]>> {
    const lists = await this.index.lists(ownerIds);
    return new Map(ownerIds.map((id, i) => [id.toHexString(), entriesOf(lists[i])]));
  }

  /** Each user's unconfirmed entries, for users that have some (the ownership janitor's repair). */
  async unconfirmed(): Promise<{ ownerId: Types.ObjectId; entries: OwnerEntry[] }[]> {
    return (await this.index.allLists())
      .map(({ ownerId, list }) => ({ ownerId, entries: entriesOf(list).filter((entry) => !entry.confirmed) }))
      .filter(({ entries }) => entries.length > 0);
  }

  /** The datasets listed under a user with their sort keys where the list has them (candidates too). */
  async listed(ownerId: Types.ObjectId): Promise<OwnerEntry[]> {
    return (await this.entries([ownerId])).get(ownerId.toHexString()) ?? [];
  }

  /**
   * The caller's write is committed by now, whatever happens here: an entry left unconfirmed is only
   * read when listed, so a failure is logged, not thrown.
   */
  private async confirming(what: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.logger.warn(`${what} stay unconfirmed in the owner index: ${String(error)}`);
    }
  }

  private async change(ownerId: Types.ObjectId, edit: (list: ListedDatasets) => void): Promise<void> {
    await this.underLock(ownerId, async () => void (await this.index.edit(ownerId, edit)));
  }

  private async underLock(ownerId: Types.ObjectId, work: () => Promise<void>): Promise<void> {
    await this.locks.withLock(listLockKey(ownerId), LIST_LOCK, work);
  }
}

/** The lists a create holds (OwnerIndex.creating): it lists its datasets as new before inserting them, and confirms them after. */
export class HeldLists {
  /** Each held list as this hold last stored it: nobody else changes it while the hold lasts, so confirming needs no read. */
  private readonly stored = new Map<string, ListEdit>();
  /** The held lists, read as the hold starts (beside the owner check, whose answer listNew waits for anyway). */
  private readonly reading: Promise<ListEdit[]>;

  constructor(
    private readonly index: OwnerIndexRepository,
    private readonly logger: Logger,
    /** The owners whose lists are held: a create gives datasets to no one else. */
    readonly owners: readonly Types.ObjectId[],
  ) {
    this.reading = owners.length > 0 ? index.readForCreate(owners) : Promise.resolve([]);
    // Awaited by listNew; a hold that lists nothing leaves a failed read unread.
    this.reading.catch(() => undefined);
  }

  holds(ownerId: Types.ObjectId): boolean {
    return this.owners.some((held) => held.equals(ownerId));
  }

  /** Lists datasets as `pending` under their owners, the lists written together: call before inserting them. */
  async listNew(datasets: readonly OwnedListedDataset[]): Promise<void> {
    const lists = new Map((await this.reading).map((editing) => [editing.ownerId.toHexString(), editing]));
    const changed = this.byHeldOwner(datasets).map(([ownerId, docs]) => {
      const editing = lists.get(ownerId.toHexString()) as ListEdit;
      for (const { _id, seq, createdAt } of docs)
        editing.list.set(_id.toHexString(), { key: { seq, at: createdAt.getTime() }, state: ENTRY_STATE.pending });
      this.stored.set(ownerId.toHexString(), editing);
      return editing;
    });
    await this.index.writeEdited(changed);
  }

  /**
   * Confirms the datasets listed new once their insert (as active) has committed: each list written as listNew stored it with
   * their entries confirmed, no read, in bulk writes. Nothing demotes them meanwhile (demotions take the list's lock). A failure
   * is logged: the entries stay pending, read and settled.
   */
  async confirmNew(datasets: readonly OwnedListedDataset[]): Promise<void> {
    if (datasets.length === 0) return;
    const lists = this.byHeldOwner(datasets).map(([ownerId, docs]) => {
      const editing = this.stored.get(ownerId.toHexString());
      if (!editing) throw new Error(`the datasets of ${ownerId.toHexString()} were not listed by this hold`);
      for (const { _id } of docs) {
        const entry = editing.list.get(_id.toHexString());
        if (entry?.state === ENTRY_STATE.pending) entry.state = ENTRY_STATE.confirmed;
      }
      return editing;
    });
    try {
      await this.index.writeEdited(lists);
    } catch (error) {
      this.logger.warn(`${datasets.length} new datasets stay unconfirmed in the owner index: ${String(error)}`);
    }
  }

  private byHeldOwner(datasets: readonly OwnedListedDataset[]): [Types.ObjectId, OwnedListedDataset[]][] {
    const groups = new Map<string, [Types.ObjectId, OwnedListedDataset[]]>();
    for (const dataset of datasets) {
      if (!this.holds(dataset.ownerId)) throw new Error(`the list of ${dataset.ownerId.toHexString()} is not held`);
      const group = groups.get(dataset.ownerId.toHexString());
      if (group) group[1].push(dataset);
      else groups.set(dataset.ownerId.toHexString(), [dataset.ownerId, [dataset]]);
    }
    return [...groups.values()];
  }
}

/** A new dataset as a create lists it: with its owner. */
export interface OwnedListedDataset extends ListedDataset {
  ownerId: Types.ObjectId;
}

const LIST_LOCK = { purpose: 'owner-index' };

function listLockKey(ownerId: Types.ObjectId): string {
  return `owner-index:${ownerId.toHexString()}`;
}

function entriesOf(list: ListedDatasets): OwnerEntry[] {
  return [...list].map(([id, { key, state }]) => ({
    _id: new Types.ObjectId(id),
    ...(key ? { seq: key.seq, createdAt: new Date(key.at) } : {}),
    confirmed: state === ENTRY_STATE.confirmed,
  }));
}
