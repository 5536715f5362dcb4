import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UserIdentity, UserIdentitySchema } from './schemas/user-identity.schema';
import { User, UserSchema } from './schemas/user.schema';
import { UserIdentitiesRepository } from './user-identities.repository';
import { UserDirectory } from './user-directory';
import { UsersRepository } from './users.repository';

/**
 * The users collection and its repository, without the rules: what the
 * ownership protocol needs to ask whether a user exists (it cannot import
 * UsersModule, which builds on it).
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: User.name, schema: UserSchema },
      { name: UserIdentity.name, schema: UserIdentitySchema },
    ]),
  ],
  providers: [UsersRepository, UserIdentitiesRepository, UserDirectory],
  exports: [UsersRepository, UserIdentitiesRepository, UserDirectory],
})
export class UsersStoreModule {}
