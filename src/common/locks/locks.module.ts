import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EntityLocks } from './entity-locks';
import { Lock, LockSchema } from './lock.schema';

@Module({
  imports: [MongooseModule.forFeature([{ name: Lock.name, schema: LockSchema }])],
  providers: [EntityLocks],
  exports: [EntityLocks],
})
export class LocksModule {}
