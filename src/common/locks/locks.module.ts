import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EntityLocks } from './entity-locks';
import { Lock, LockSchema } from './lock.schema';
import { LocksRepository } from './locks.repository';

@Module({
  imports: [MongooseModule.forFeature([{ name: Lock.name, schema: LockSchema }])],
  providers: [EntityLocks, LocksRepository],
  exports: [EntityLocks],
})
export class LocksModule {}
