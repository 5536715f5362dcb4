import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { DatasetPurgeCleanup } from '../../datasets/dataset-purge-cleanup';
import { RecordsRepository } from './records.repository';
import { VersionsRepository } from './versions.repository';

/**
 * What purging a dataset does to the records kept under its id: records'
 * side of the DatasetPurgeCleanup port. Trashing a dataset keeps all of it.
 */
@Injectable()
export class DatasetRecordsCleanup implements DatasetPurgeCleanup {
  constructor(
    private readonly repository: RecordsRepository,
    private readonly versions: VersionsRepository,
  ) {}

  /** Deletes the dataset's committed series, every version and tag, and all of their buckets. */
  async dropAll(dataset: { _id: Types.ObjectId; recordSeriesId?: string }): Promise<void> {
    const datasetId = dataset._id.toHexString();
    const versions = await this.versions.allVersions(datasetId);
    const series = dataset.recordSeriesId ? await this.repository.findSeries(dataset.recordSeriesId) : null;
    const buckets = new Set([...(series?.buckets ?? []), ...versions.flatMap((version) => version.buckets)].map((bucket) => bucket.id));
    await this.repository.deleteDocuments([...buckets, ...(series ? [series._id] : [])]);
    await this.versions.deleteAllOf(datasetId);
  }
}
