import { Module } from '@nestjs/common';
import { LocksModule } from '../../common/locks/locks.module';
import { DatasetsModule } from '../../datasets/datasets.module';
import { RecordsModule } from '../records.module';
import { RecordsStoreModule } from '../store/records-store.module';
import { VersionTagsService } from './version-tags.service';
import { VersionsController } from './versions.controller';
import { VersionsService } from './versions.service';

/**
 * Sealed versions of a dataset's records and their tags (`/versions`,
 * `/tags`): built on the records (RecordsService, its lock and store); the
 * records know of versions only what a pinned read needs (store/version-pin.ts).
 */
@Module({
  imports: [RecordsStoreModule, RecordsModule, DatasetsModule, LocksModule],
  controllers: [VersionsController],
  providers: [VersionsService, VersionTagsService],
})
export class VersionsModule {}
