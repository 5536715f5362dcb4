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
import { VersionTagsService } from './versions/version-tags.service';
import { VersionsController } from './versions/versions.controller';
import { VersionsService } from './versions/versions.service';

/**
 * The time-series records of datasets: `/datasets/{id}/records` and `/stats`,
 * their sealed versions and tags (`/versions`, `/tags`, in versions/), and
 * their charts (`/chart.svg`, in chart/).
 */
@Module({
  imports: [RecordsStoreModule, DatasetsModule, LocksModule],
  controllers: [RecordsController, VersionsController, ChartController],
  providers: [RecordsService, ChartService, ChartRenderer, RecordsJanitor, RecordsLock, VersionsService, VersionTagsService],
})
export class RecordsModule {}
