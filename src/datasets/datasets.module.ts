import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LocksModule } from '../common/locks/locks.module';
import { EventsModule } from '../events/events.module';
import { outboxSource } from '../events/outbox/outbox-sources';
import { OwnershipModule } from '../ownership/ownership.module';
import { DatasetPurge } from './dataset-purge';
import { DatasetRegistration } from './dataset-registration';
import { DatasetEvents } from './dataset-events';
import { DatasetSequence } from './dataset-sequence';
import { DatasetTrashService } from './dataset-trash.service';
import { DatasetsBulkService } from './datasets-bulk.service';
import { DatasetsController } from './datasets.controller';
import { DatasetSharingController } from './dataset-sharing.controller';
import { DatasetSharingService } from './dataset-sharing.service';
import { DatasetsRepository } from './datasets.repository';
import { DatasetsService } from './datasets.service';
import { OwnedDatasets } from './owned-datasets';
import { OwnerFirstPage } from './owner-first-page';
import { OwnershipJanitor } from './ownership-janitor';
import { TrashJanitor } from './trash-janitor';
import { Dataset, DatasetSchema } from './schemas/dataset.schema';
import { SeqBlock, SeqBlockSchema } from './schemas/seq-block.schema';
import { DatasetMark, DatasetMarkSchema } from './schemas/dataset-mark.schema';
import { DatasetSeqKey, DatasetSeqKeySchema } from './schemas/dataset-seq-key.schema';
import { SeqBlocksRepository } from './seq-blocks.repository';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Dataset.name, schema: DatasetSchema },
      { name: SeqBlock.name, schema: SeqBlockSchema },
      { name: DatasetSeqKey.name, schema: DatasetSeqKeySchema },
      { name: DatasetMark.name, schema: DatasetMarkSchema },
    ]),
    LocksModule,
    EventsModule,
    OwnershipModule,
  ],
  controllers: [DatasetsController, DatasetSharingController],
  providers: [
    DatasetsService,
    DatasetsBulkService,
    DatasetRegistration,
    DatasetSharingService,
    DatasetEvents,
    DatasetsRepository,
    outboxSource('dataset', DatasetsRepository),
    DatasetSequence,
    SeqBlocksRepository,
    OwnedDatasets,
    OwnerFirstPage,
    OwnershipJanitor,
    DatasetPurge,
    DatasetTrashService,
    TrashJanitor,
  ],
  exports: [DatasetsService, DatasetEvents, OwnedDatasets],
})
export class DatasetsModule {}
