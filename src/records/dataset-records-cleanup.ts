import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { RecordsRepository } from './records.repository';
import { VersionsRepository } from './versions/versions.repository';

/**
 * What purging a dataset does to the storage kept under its id (DatasetPurge
 * calls it, under the dataset's lock, once the dataset is a tombstone): the
 * one extension point for per-dataset storage. Trashing a dataset keeps all of it.
 */
@Injectable()
export class DatasetRecordsCleanup {
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
