import { Module } from '@nestjs/common';
import { ChartController } from './chart/chart.controller';
import { ChartRenderer } from './chart/chart-renderer';
import { ChartService } from './chart/chart.service';
import { LocksModule } from '../common/locks/locks.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { RecordsController } from './api/records.controller';
import { RecordsJanitor } from './store/records-janitor';
import { RecordsStoreModule } from './store/records-store.module';
import { RecordsLock } from './store/records-lock';
import { RecordsService } from './records.service';

/**
 * The time-series records of datasets: `/datasets/{id}/records` and `/stats`,
 * and their charts (`/chart.svg`, in chart/). Sealed versions and their tags
 * are VersionsModule's (versions/), which builds on this one.
 */
@Module({
  imports: [RecordsStoreModule, DatasetsModule, LocksModule],
  controllers: [RecordsController, ChartController],
  providers: [RecordsService, ChartService, ChartRenderer, RecordsJanitor, RecordsLock],
  exports: [RecordsService, RecordsLock],
})
export class RecordsModule {}
