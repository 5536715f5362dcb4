import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model, Types, UpdateQuery } from 'mongoose';
import { isDuplicateKeyError } from '../common/mongo/duplicate-key';
import { insertManyUnique, insertUnique } from '../common/mongo/unique-inserts';
import { FieldChanges, KEEP_UPDATED_AT } from '../common/mongo/field-changes';
import { findEachById, findOneById } from '../common/mongo/find-by-ids';
import { assertLeasesHeld } from '../common/locks/lease-guard';
import { findPage } from '../common/pagination/cursor';
import { RegistryEvent } from '../events/contract';
import { OutboxSource } from '../events/outbox/outbox-source';
import { OutboxDocuments } from '../events/outbox/outbox-documents';
import type { DatasetReader } from './dataset-access';
import type { DatasetRef } from './dataset-rules';
import { SearchDatasetsQueryDto } from './dto/search-datasets-query.dto';
import { filtersOf, readableBy, trashOf } from './dataset-filters';
import { Dataset, DatasetGrant } from './schemas/dataset.schema';
import { DatasetSeqKey } from './schemas/dataset-seq-key.schema';
import { SeqKeys } from './seq-keys';
import { DatasetMark, MarkKind } from './schemas/dataset-mark.schema';
import { MarkNotes } from './mark-notes';

const SORT_FIELDS = { createdAt: 'createdAt', name: 'nameKey', seq: 'seq' } as const;

/** The one place that touches the Dataset model and its collection; the relay reads datasets' outboxes through it. */
@Injectable()
export class DatasetsRepository extends OutboxDocuments<Dataset> implements OutboxSource {
  private readonly keys: SeqKeys;
  private readonly notes: MarkNotes;

  constructor(
    @InjectModel(Dataset.name) private readonly datasets: Model<Dataset>,
    @InjectModel(DatasetSeqKey.name) seqKeys: Model<DatasetSeqKey>,
    @InjectModel(DatasetMark.name) marks: Model<DatasetMark>,
  ) {
    super(
      datasets,
      // A pending dataset (an earlier version's create) holds its `dataset.created` back until it is activated.
      (dataset) => dataset.state === 'pending',
      (dataset) => dataset.state === 'deleted',
    );
    this.keys = new SeqKeys(seqKeys);
    this.notes = new MarkNotes(marks);
  }

  /** What page cursors of datasets are issued for (see findPage). */
  get collectionName(): string {
    return this.datasets.collection.name;
  }

  /** The stored dataset, in any state (by `_id` through the driver: the hot read of GET /datasets/{id}). */
  findById(id: Types.ObjectId): Promise<Dataset | null> {
    return findOneById(this.datasets, id);
  }

  /** The records series a dataset points at (whatever its state), or undefined. */
  async findRecordSeriesId(id: Types.ObjectId): Promise<string | undefined> {
    const dataset = await this.datasets.findById(id, { recordSeriesId: 1 }).lean().exec();
    return dataset?.recordSeriesId;
  }

  /**
   * By the number's key and then by id (see SeqKeys). The `{ seq }` query, which scans on FerretDB, only where a dataset may
   * lack its key (before the backfill of older versions' datasets has run) or a key names another number's dataset.
   */
  async findBySeq(seq: number): Promise<Dataset | null> {
    const datasetId = await this.keys.datasetIdOf(seq);
    const keyed = datasetId ? await this.findById(datasetId) : null;
    if (keyed?.seq === seq) return keyed;
    if (!keyed && (await this.notes.settled('all-keyed'))) return null;
    return this.datasets.findOne({ seq }).lean().exec();
  }

  /** The dataset a route names, by id or by seq, in any state. */
  findByRef(ref: DatasetRef): Promise<Dataset | null> {
    return 'id' in ref ? this.findById(ref.id) : this.findBySeq(ref.seq);
  }

  /** Datasets by id, in the order of `ids`; those gone are left out. */
  async fetchEach(ids: readonly Types.ObjectId[]): Promise<Dataset[]> {
    return (await findEachById(this.datasets, ids)).filter((dataset) => dataset !== null);
  }

  /** One page of active datasets matching the query that `reader` may read (the access rule is part of the query). */
  async search(query: SearchDatasetsQueryDto, reader: DatasetReader): Promise<{ rows: Dataset[]; nextCursor: string | null }> {
    const conditions: FilterQuery<Dataset>[] = [{ state: 'active' }, ...readableBy(reader), ...filtersOf(query)];
    return findPage(this.datasets, conditions, SORT_FIELDS[query.sort], query);
  }

  /** One page of trashed datasets matching the query in `reader`'s trash: their own, everyone's for an admin. */
  async searchTrash(query: SearchDatasetsQueryDto, reader: DatasetReader): Promise<{ rows: Dataset[]; nextCursor: string | null }> {
    const conditions: FilterQuery<Dataset>[] = [{ state: 'trashed' }, ...trashOf(reader), ...filtersOf(query)];
    return findPage(this.datasets, conditions, SORT_FIELDS[query.sort], query);
  }

  /** The dataset (any state but a tombstone's) holding `nameKey` among the owner's names, if any: who answers a 409. */
  async findNameHolder(ownerId: Types.ObjectId, nameKey: string): Promise<Pick<Dataset, '_id' | 'state' | 'trashedAt'> | null> {
    return this.datasets.findOne({ ownerId, nameKey }, { _id: 1, state: 1, trashedAt: 1 }).lean().exec();
  }

  /** The ids of the active datasets `reader` may read. */
  async readableIds(reader: DatasetReader): Promise<string[]> {
    const rows = await this.datasets
      .find({ $and: [{ state: 'active' }, ...readableBy(reader)] }, { _id: 1 })
      .lean<{ _id: Types.ObjectId }[]>()
      .exec();
    return rows.map(({ _id }) => _id.toHexString());
  }

  /**
   * Inserts new datasets (one insert for one, an unordered batch for many) and returns the positions whose name was taken;
   * their seq keys are in before them (insertSeqKeys), and the refused ones' go after (removeSeqKeys). The create holds its
   * owners' lists, whose leases are checked first, as the lease guard does for Mongoose's writes (these go through the
   * driver). Nothing is undone on another failure: what got in is visible and listed, as after a create whose answer was lost.
   */
  async insertDatasets(datasets: Dataset[]): Promise<Set<number>> {
    assertLeasesHeld();
    if (datasets.length === 1) return new Set((await insertUnique(this.datasets, datasets[0])) ? [] : [0]);
    return insertManyUnique(this.datasets, datasets);
  }

  /** Removes a pending dataset (one an earlier version's create left; nobody else writes it), then its seq key: a dataset never lacks its key. */
  async removePending({ _id, seq }: Pick<Dataset, '_id' | 'seq'>): Promise<void> {
    await this.datasets.deleteOne({ _id }).exec();
    await this.keys.remove([seq]);
  }

  async removePendingMany(datasets: readonly Pick<Dataset, '_id' | 'seq'>[]): Promise<void> {
    if (datasets.length === 0) return;
    await this.datasets.deleteMany({ _id: { $in: datasets.map(({ _id }) => _id) } }).exec();
    await this.keys.remove(datasets.map(({ seq }) => seq));
  }

  /**
   * Gives every dataset that lacks one its seq key (those written by versions before keys came first), then notes that all
   * are keyed; nothing to do once noted. Idempotent.
   */
  async backfillSeqKeys(): Promise<number> {
    if (await this.notes.settled('all-keyed')) return 0;
    const keyed = await this.keys.keyedIds();
    const datasets = await this.datasets
      .find({ state: { $ne: 'deleted' } }, { _id: 1, seq: 1 })
      .lean<Pick<Dataset, '_id' | 'seq'>[]>()
      .exec();
    const given = await this.keys.backfill(keyed, datasets);
    await this.notes.noteSettled('all-keyed');
    return given;
  }

  /** The seq keys of datasets about to be inserted: before them, so a dataset never lacks its key (see SeqKeys). */
  insertSeqKeys(datasets: readonly Pick<Dataset, '_id' | 'seq'>[]): Promise<void> {
    return this.keys.insert(datasets);
  }

  /** The seq keys of datasets the store refused (a taken name): no dataset holds those numbers. */
  removeSeqKeys(datasets: readonly Pick<Dataset, 'seq'>[]): Promise<void> {
    return this.keys.remove(datasets.map(({ seq }) => seq));
  }

  /**
   * Writes the effective changes of a dataset with its event; false when the
   * owner already has a dataset of the new name. The caller read the dataset
   * first under its lock (FerretDB has no update pipelines).
   */
  async writeChanges(id: Types.ObjectId, changes: FieldChanges, next: Dataset, event: RegistryEvent): Promise<boolean> {
    try {
      await this.datasets.updateOne({ _id: id }, withEvent(changes, next, event), KEEP_UPDATED_AT).exec();
      if ('transferStartedAt' in changes.$unset) await this.notes.drop('transfer', id);
      return true;
    } catch (error) {
      // FerretDB reports a unique violation by an update as code 1 (see isDuplicateKeyError).
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Points the dataset at a new record series, with its event. */
  async writeRecordsChange(id: Types.ObjectId, series: { id: string; count: number }, rev: number, event: RegistryEvent): Promise<void> {
    const $set = { recordSeriesId: series.id, recordCount: series.count, rev };
    await this.datasets.updateOne({ _id: id }, { $set, $push: { outbox: event } }, KEEP_UPDATED_AT).exec();
  }

  /** Replaces the dataset's grants, with their event. */
  async writeGrants(id: Types.ObjectId, grants: DatasetGrant[], rev: number, event: RegistryEvent): Promise<void> {
    await this.datasets.updateOne({ _id: id }, { $set: { grants, rev }, $push: { outbox: event } }, KEEP_UPDATED_AT).exec();
  }

  /** Records an event about the dataset that changes nothing stored here (a version, a tag). */
  async writeEvent(id: Types.ObjectId, rev: number, event: RegistryEvent): Promise<void> {
    await this.datasets.updateOne({ _id: id }, { $set: { rev }, $push: { outbox: event } }, KEEP_UPDATED_AT).exec();
  }

  /** Marks a transfer to `to` as started. */
  async markTransfer(id: Types.ObjectId, to: Types.ObjectId): Promise<void> {
    const at = await this.notes.note('transfer', id, new Date());
    await this.datasets.updateOne({ _id: id }, { $set: { transferTo: to, transferStartedAt: at } }, KEEP_UPDATED_AT).exec();
  }

  async clearTransferMark(id: Types.ObjectId): Promise<void> {
    await this.datasets.updateOne({ _id: id }, { $unset: { transferTo: 1, transferStartedAt: 1 } }, KEEP_UPDATED_AT).exec();
    await this.notes.drop('transfer', id);
  }

  /** When the dataset's transfer mark was set, if it has one. */
  async transferStartedAt(id: Types.ObjectId): Promise<Date | undefined> {
    const dataset = await this.datasets.findById(id, { transferStartedAt: 1 }).lean().exec();
    return dataset?.transferStartedAt ?? undefined;
  }

  /** Moves an active dataset to the trash, with its event (dataset.trashed); it keeps its owner, name and records. */
  async markTrashed(id: Types.ObjectId, trashedAt: Date, rev: number, event: RegistryEvent): Promise<void> {
    await this.notes.note('trash', id, trashedAt);
    await this.datasets
      .updateOne({ _id: id }, { $set: { state: 'trashed', trashedAt, rev }, $push: { outbox: event } }, KEEP_UPDATED_AT)
      .exec();
  }

  /** Brings a trashed dataset back, with its event (dataset.restored). */
  async markRestored(id: Types.ObjectId, rev: number, event: RegistryEvent): Promise<void> {
    await this.datasets
      .updateOne({ _id: id }, { $set: { state: 'active', rev }, $unset: { trashedAt: 1 }, $push: { outbox: event } }, KEEP_UPDATED_AT)
      .exec();
    await this.notes.drop('trash', id);
  }

  /** The datasets noted with a mark of `kind` set before `cutoff` (DatasetMark): what the janitors look at, without a scan. */
  markedBefore(kind: MarkKind, cutoff: Date): Promise<Types.ObjectId[]> {
    return this.notes.markedBefore(kind, cutoff);
  }

  /** A janitor's, under the dataset's lock, when it leaves the dataset be: the note goes with its mark, or takes the mark's time. */
  async settleNote(kind: MarkKind, id: Types.ObjectId, markedAt: Date | undefined): Promise<void> {
    await (markedAt ? this.notes.note(kind, id, markedAt) : this.notes.drop(kind, id));
  }

  /**
   * Makes the dataset (active or trashed) a tombstone carrying `event` (dataset.deleted).
   * Pointing its `ownerId` at itself frees the name for its owner at once.
   */
  async markDeleted(dataset: Dataset, rev: number, event: RegistryEvent): Promise<void> {
    await this.datasets
      .updateOne(
        { _id: dataset._id },
        {
          $set: { state: 'deleted', ownerId: dataset._id, deletedAt: new Date(), rev },
          $unset: { transferTo: 1, transferStartedAt: 1, trashedAt: 1 },
          $push: { outbox: event },
        },
        KEEP_UPDATED_AT,
      )
      .exec();
    // After the tombstone: a crash in between leaves a key naming it, never a dataset without its key.
    await Promise.all([this.keys.remove([dataset.seq]), this.notes.dropAll(dataset._id)]);
  }

  /**
   * What versions before the notes (DatasetMark) left, in one scan: their marks noted, their pending datasets created before
   * `cutoff` removed. Once no pending dataset is left, every mark has its note (this version writes none): it says so.
   */
  async settleOlderVersions(cutoff: Date): Promise<{ pendingRemoved: number; settled: boolean }> {
    const left = await this.datasets
      .find(
        { $or: [{ state: { $in: ['pending', 'trashed'] } }, { transferStartedAt: { $exists: true } }] },
        { _id: 1, seq: 1, state: 1, createdAt: 1, trashedAt: 1, transferStartedAt: 1 },
      )
      .lean<Dataset[]>()
      .exec();
    await this.notes.noteOlder(left);
    const pending = left.filter(({ state }) => state === 'pending');
    const abandoned = pending.filter(({ createdAt }) => createdAt < cutoff);
    await this.removePendingMany(abandoned);
    const settled = abandoned.length === pending.length;
    if (settled) await this.notes.noteSettled('all-noted');
    return { pendingRemoved: abandoned.length, settled };
  }

  /** Whether settleOlderVersions found nothing more to do (one lookup by `_id`). */
  async olderVersionsSettled(): Promise<boolean> {
    return this.notes.settled('all-noted');
  }
}

/** The update that applies `changes` and records `event` in the outbox, in one write. */
function withEvent(changes: FieldChanges, next: Dataset, event: RegistryEvent): UpdateQuery<Dataset> {
  const update: UpdateQuery<Dataset> = {
    $set: { ...changes.$set, updatedAt: next.updatedAt, rev: next.rev },
    $push: { outbox: event },
  };
  // Some servers reject an empty `$unset: {}`.
  if (Object.keys(changes.$unset).length > 0) update.$unset = changes.$unset;
  return update;
}
