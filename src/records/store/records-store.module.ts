import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DatasetPurgeCleanup } from '../../datasets/dataset-purge-cleanup';
import { DatasetRecordsCleanup } from './dataset-records-cleanup';
import { RecordsRepository } from './records.repository';
import { RecordBucket, RecordBucketSchema } from '../schemas/record-bucket.schema';
import { RecordSeries, RecordSeriesSchema } from '../schemas/record-series.schema';
import { RecordUpload, RecordUploadSchema } from '../schemas/record-upload.schema';
import { DatasetTag, DatasetTagSchema, DatasetVersion, DatasetVersionSchema } from '../schemas/dataset-version.schema';
import { VersionsRepository } from './versions.repository';

/**
 * The records collections (series, buckets, uploads, versions and their tags)
 * and their repositories, without the rules; and the binding of datasets'
 * DatasetPurgeCleanup port to them, global so that DatasetsModule, which
 * records builds on, gets it without importing records.
 */
@Global()
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: RecordBucket.name, schema: RecordBucketSchema },
      { name: RecordSeries.name, schema: RecordSeriesSchema },
      { name: RecordUpload.name, schema: RecordUploadSchema },
      { name: DatasetVersion.name, schema: DatasetVersionSchema },
      { name: DatasetTag.name, schema: DatasetTagSchema },
    ]),
  ],
  providers: [
    RecordsRepository,
    VersionsRepository,
    DatasetRecordsCleanup,
    { provide: DatasetPurgeCleanup, useExisting: DatasetRecordsCleanup },
  ],
  exports: [RecordsRepository, VersionsRepository, DatasetPurgeCleanup],
})
export class RecordsStoreModule {}
