import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LocksModule } from '../common/locks/locks.module';
import { DatasetOwners } from './dataset-owners';
import { OwnerIndex } from './owner-index';
import { OwnerIndexRepository } from './owner-index.repository';
import { OwnerIndexList, OwnerIndexListSchema } from './schemas/owner-index.schema';

/**
 * The ownership protocol both users and datasets depend on: owner checks,
 * user locks and the owner index. Of users it knows only which exist, through
 * the LiveUsers port the users' store binds, so it imports neither users nor datasets.
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: OwnerIndexList.name, schema: OwnerIndexListSchema }]), LocksModule],
  providers: [DatasetOwners, OwnerIndex, OwnerIndexRepository],
  exports: [DatasetOwners, OwnerIndex],
})
export class OwnershipModule {}
