import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { User, UserSchema } from './schemas/user.schema';
import { UserDirectory } from './user-directory';
import { UsersRepository } from './users.repository';

/**
 * The users collection and its repository, without the rules: what the
 * ownership protocol needs to ask whether a user exists (it cannot import
 * UsersModule, which builds on it).
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: User.name, schema: UserSchema }])],
  providers: [UsersRepository, UserDirectory],
  exports: [UsersRepository, UserDirectory],
})
export class UsersStoreModule {}
