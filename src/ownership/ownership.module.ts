import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LocksModule } from '../common/locks/locks.module';
import { DatasetOwners } from './dataset-owners';
import { OwnerIndex } from './owner-index';
import { OwnerListsRepository } from './owner-lists.repository';
import { OwnerDatasetList, OwnerDatasetListSchema } from './schemas/owner-index.schema';

/**
 * The ownership protocol both users and datasets depend on: owner checks,
 * user locks and the owner index. Of users it knows only which exist, through
 * the LiveUsers port the users' store binds, so it imports neither users nor datasets.
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: OwnerDatasetList.name, schema: OwnerDatasetListSchema }]), LocksModule],
  providers: [DatasetOwners, OwnerIndex, OwnerListsRepository],
  exports: [DatasetOwners, OwnerIndex],
})
export class OwnershipModule {}
