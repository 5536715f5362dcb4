import { Model, Types } from 'mongoose';
import { findOneById } from '../common/mongo/find-by-ids';
import { insertManyUnique } from '../common/mongo/unique-inserts';
import type { Dataset } from './schemas/dataset.schema';
import { DatasetMark, MarkKind, markId, SettledId } from './schemas/dataset-mark.schema';

/**
 * The notes of datasets' transfer marks and trash times (DatasetMark), used by DatasetsRepository alone, which orders them
 * around the datasets' own writes: noted before the write that sets a mark, dropped after the one that ends it.
 */
export class MarkNotes {
  constructor(private readonly marks: Model<DatasetMark>) {}

  /** Notes a mark (an earlier note of the same mark takes the new time); returns `at`. */
  async note(kind: MarkKind, id: Types.ObjectId, at: Date): Promise<Date> {
    const { _id, ...fields } = noteOf(kind, id, at);
    await this.marks.updateOne({ _id }, { $set: fields }, { upsert: true }).exec();
    return at;
  }

  async drop(kind: MarkKind, id: Types.ObjectId): Promise<void> {
    await this.marks.deleteOne({ _id: markId(kind, id) }).exec();
  }

  /** Drops both of a dataset's notes in one write (it became a tombstone). */
  async dropAll(id: Types.ObjectId): Promise<void> {
    await this.marks.deleteMany({ _id: { $in: [markId('transfer', id), markId('trash', id)] } }).exec();
  }

  /** The datasets noted with a mark of `kind` set before `cutoff`. */
  async markedBefore(kind: MarkKind, cutoff: Date): Promise<Types.ObjectId[]> {
    const notes = await this.marks
      .find({ kind, at: { $lt: cutoff } }, { datasetId: 1 })
      .lean()
      .exec();
    return notes.map(({ datasetId }) => datasetId);
  }

  /** Notes the marks of datasets an older version left without notes (a note there already is no failure). */
  async noteOlder(datasets: readonly Pick<Dataset, '_id' | 'state' | 'trashedAt' | 'transferStartedAt'>[]): Promise<void> {
    const notes = datasets.flatMap(({ _id, state, trashedAt, transferStartedAt }) => [
      ...(state === 'trashed' && trashedAt ? [noteOf('trash', _id, trashedAt)] : []),
      ...(transferStartedAt ? [noteOf('transfer', _id, transferStartedAt)] : []),
    ]);
    await insertManyUnique(this.marks, notes);
  }

  /** Notes, for good, that what older versions left is settled (see SETTLED_IDS). */
  async noteSettled(id: SettledId): Promise<void> {
    await this.marks.collection.updateOne({ _id: id } as never, { $set: { at: new Date() } }, { upsert: true });
  }

  /** Whether it is (one lookup by `_id`; not cached: a test or a restored backup may take the note away). */
  async settled(id: SettledId): Promise<boolean> {
    return (await findOneById(this.marks, id)) !== null;
  }
}

function noteOf(kind: MarkKind, datasetId: Types.ObjectId, at: Date): DatasetMark {
  return { _id: markId(kind, datasetId), kind, datasetId, at };
}
