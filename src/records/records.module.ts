import { Module } from '@nestjs/common';
import { LocksModule } from '../common/locks/locks.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { RecordsController } from './records.controller';
import { RecordsJanitor } from './records-janitor';
import { RecordsStorageModule } from './records-storage.module';
import { RecordsLock } from './records-lock';
import { RecordsService } from './records.service';
import { VersionTagsService } from './versions/version-tags.service';
import { VersionsController } from './versions/versions.controller';
import { VersionsService } from './versions/versions.service';

/**
 * The time-series records of datasets: `/datasets/{id}/records` and `/stats`,
 * and their sealed versions and tags (`/versions`, `/tags`, in versions/).
 */
@Module({
  imports: [RecordsStorageModule, DatasetsModule, LocksModule],
  controllers: [RecordsController, VersionsController],
  providers: [RecordsService, RecordsJanitor, RecordsLock, VersionsService, VersionTagsService],
})
export class RecordsModule {}
