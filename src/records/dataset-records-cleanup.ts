import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { RecordsRepository } from './records.repository';

/**
 * What purging a dataset does to the storage kept under its id (DatasetPurge
 * calls it, under the dataset's lock, once the dataset is a tombstone): the
 * one extension point for per-dataset storage. Trashing a dataset keeps all of it.
 */
@Injectable()
export class DatasetRecordsCleanup {
  constructor(private readonly repository: RecordsRepository) {}

  /** Deletes the dataset's committed series and all of its buckets; nothing to do without one. */
  async dropAll(dataset: { _id: Types.ObjectId; recordSeriesId?: string }): Promise<void> {
    if (!dataset.recordSeriesId) return;
    const series = await this.repository.findSeries(dataset.recordSeriesId);
    if (series) await this.repository.deleteSeriesAndBuckets(series);
  }
}
