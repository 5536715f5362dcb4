import { Module } from '@nestjs/common';
import { LocksModule } from '../common/locks/locks.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { RecordsController } from './records.controller';
import { RecordsJanitor } from './records-janitor';
import { RecordsStorageModule } from './records-storage.module';
import { RecordsService } from './records.service';

/** The time-series records of datasets: `/datasets/{id}/records` and `/datasets/{id}/stats`. */
@Module({
  imports: [RecordsStorageModule, DatasetsModule, LocksModule],
  controllers: [RecordsController],
  providers: [RecordsService, RecordsJanitor],
})
export class RecordsModule {}
