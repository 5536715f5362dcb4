import { Module } from '@nestjs/common';
import { LocksModule } from '../common/locks/locks.module';
import { EventsModule } from '../events/events.module';
import { outboxSource } from '../events/outbox/outbox-sources';
import { DatasetsModule } from '../datasets/datasets.module';
import { OwnershipModule } from '../ownership/ownership.module';
import { UsersController } from './users.controller';
import { UsersStoreModule } from './users-store.module';
import { UsersService } from './users.service';
import { UserAccountsService } from './user-accounts.service';
import { UsersRepository } from './users.repository';

@Module({
  imports: [UsersStoreModule, DatasetsModule, OwnershipModule, LocksModule, EventsModule],
  controllers: [UsersController],
  providers: [UsersService, UserAccountsService, outboxSource('user', UsersRepository)],
  exports: [UserAccountsService],
})
export class UsersModule {}
