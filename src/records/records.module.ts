import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LocksModule } from '../common/locks/locks.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { RecordsController } from './records.controller';
import { RecordsJanitor } from './records-janitor';
import { RecordsRepository } from './records.repository';
import { RecordsService } from './records.service';
import { RecordBucket, RecordBucketSchema } from './schemas/record-bucket.schema';
import { RecordSeries, RecordSeriesSchema } from './schemas/record-series.schema';
import { RecordUpload, RecordUploadSchema } from './schemas/record-upload.schema';

/** The time-series records of datasets: `/datasets/{id}/records` and `/datasets/{id}/stats`. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: RecordBucket.name, schema: RecordBucketSchema },
      { name: RecordSeries.name, schema: RecordSeriesSchema },
      { name: RecordUpload.name, schema: RecordUploadSchema },
    ]),
    DatasetsModule,
    LocksModule,
  ],
  controllers: [RecordsController],
  providers: [RecordsRepository, RecordsService, RecordsJanitor],
})
export class RecordsModule {}
