import { Injectable } from '@nestjs/common';
import { RecordsRepository } from './records.repository';

/** What deleting a dataset does to its records (DatasetsService calls it, under the dataset's lock). */
@Injectable()
export class DatasetRecordsCleanup {
  constructor(private readonly repository: RecordsRepository) {}

  /** Deletes the dataset's committed series and all of its buckets; nothing to do without one. */
  async dropAll(recordSeriesId: string | undefined): Promise<void> {
    if (!recordSeriesId) return;
    const series = await this.repository.findSeries(recordSeriesId);
    if (series) await this.repository.deleteSeriesAndBuckets(series);
  }
}
