import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LocksModule } from '../common/locks/locks.module';
import { EventsModule } from '../events/events.module';
import { User, UserSchema } from '../users/schemas/user.schema';
import { DatasetOwners } from './dataset-owners';
import { DatasetSequence } from './dataset-sequence';
import { DatasetsController } from './datasets.controller';
import { DatasetsService } from './datasets.service';
import { OwnershipJanitor } from './ownership-janitor';
import { Dataset, DatasetSchema } from './schemas/dataset.schema';
import { SeqBlock, SeqBlockSchema } from './schemas/seq-block.schema';
import { OwnerIndex } from './owner-index';
import { OwnerDatasetList, OwnerDatasetListSchema } from './schemas/owner-index.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Dataset.name, schema: DatasetSchema },
      { name: SeqBlock.name, schema: SeqBlockSchema },
      { name: OwnerDatasetList.name, schema: OwnerDatasetListSchema },
      // Read-only here, for owner checks (DatasetOwners); UsersModule owns users.
      { name: User.name, schema: UserSchema },
    ]),
    LocksModule,
    EventsModule,
  ],
  controllers: [DatasetsController],
  providers: [DatasetsService, DatasetOwners, DatasetSequence, OwnerIndex, OwnershipJanitor],
  exports: [DatasetsService],
})
export class DatasetsModule {}
