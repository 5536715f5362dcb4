import { Module } from '@nestjs/common';
import { LocksModule } from '../common/locks/locks.module';
import { EventsModule } from '../events/events.module';
import { DatasetsModule } from '../datasets/datasets.module';
import { OwnershipModule } from '../ownership/ownership.module';
import { UsersController } from './users.controller';
import { UsersStoreModule } from './users-store.module';
import { UsersService } from './users.service';
import { UserAccountsService } from './user-accounts.service';

@Module({
  imports: [UsersStoreModule, DatasetsModule, OwnershipModule, LocksModule, EventsModule],
  controllers: [UsersController],
  providers: [UsersService, UserAccountsService],
  exports: [UserAccountsService],
})
export class UsersModule {}
