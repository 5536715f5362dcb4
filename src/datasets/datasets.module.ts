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
import { DatasetsRepository } from './datasets.repository';
import { OwnerListsRepository } from './owner-lists.repository';
import { SeqBlocksRepository } from './seq-blocks.repository';
import { UsersRepository } from '../users/users.repository';
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
  providers: [
    DatasetsService,
    DatasetsRepository,
    DatasetOwners,
    DatasetSequence,
    SeqBlocksRepository,
    OwnerIndex,
    OwnerListsRepository,
    OwnershipJanitor,
    UsersRepository,
  ],
  exports: [DatasetsService],
})
export class DatasetsModule {}
