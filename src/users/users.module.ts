import { Module } from '@nestjs/common';

/** Filled in by the users issue. */
@Module({})
export class UsersModule {}
