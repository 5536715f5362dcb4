import { Model, Types } from 'mongoose';
import { findOneById } from '../common/mongo/find-by-ids';
import { insertManyUnique } from '../common/mongo/unique-inserts';
import type { Dataset } from './schemas/dataset.schema';
import { DatasetSeqKey, seqKeyId } from './schemas/dataset-seq-key.schema';

/**
 * The seq keys (DatasetSeqKey), used by DatasetsRepository alone. A key is written before its dataset and removed after it,
 * so every dataset of this version has one, and a key may name a dataset that is not (or no longer) there. Datasets of older
 * versions, which wrote keys after their datasets, are keyed once by backfill(), and then noted as settled (`all-keyed`, see
 * SETTLED_IDS): from then on a number without a key, or whose key names nothing, is no dataset's, and a lookup by number
 * never scans (docs/architecture.md#registration-numbers).
 */
export class SeqKeys {
  constructor(private readonly keys: Model<DatasetSeqKey>) {}

  /** The dataset the key of `seq` names, if there is a key. */
  async datasetIdOf(seq: number): Promise<Types.ObjectId | undefined> {
    return (await findOneById(this.keys, seqKeyId(seq)))?.datasetId;
  }

  /** Keys for datasets about to be inserted (or in already): a key that exists names the same dataset (numbers are never reused). */
  async insert(datasets: readonly Pick<Dataset, '_id' | 'seq'>[]): Promise<void> {
    await insertManyUnique(
      this.keys,
      datasets.map(({ _id, seq }) => ({ _id: seqKeyId(seq), datasetId: _id })),
    );
  }

  /** Removes the keys of numbers whose dataset is gone or never got in. */
  async remove(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 1) await this.keys.deleteOne({ _id: seqKeyId(seqs[0]) }).exec();
    else if (seqs.length > 1) await this.keys.deleteMany({ _id: { $in: seqs.map(seqKeyId) } }).exec();
  }

  /**
   * Gives `datasets` (all but the tombstones, read after the keys by the caller) the keys they lack. Idempotent; a create
   * meanwhile writes its key before its dataset, so it needs none from here.
   */
  async backfill(keyed: ReadonlySet<string>, datasets: readonly Pick<Dataset, '_id' | 'seq'>[]): Promise<number> {
    const missing = datasets.filter(({ seq }) => !keyed.has(seqKeyId(seq)));
    for (let i = 0; i < missing.length; i += 1000) await this.insert(missing.slice(i, i + 1000));
    return missing.length;
  }

  /** The `_id`s of every key (backfill's first read). */
  async keyedIds(): Promise<Set<string>> {
    return new Set((await this.keys.find({}, { _id: 1 }).lean().exec()).map(({ _id }) => _id));
  }
}
