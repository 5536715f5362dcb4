import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { LiveUsers } from '../ownership/live-users';
import { UserIdentity, UserIdentitySchema } from './schemas/user-identity.schema';
import { User, UserSchema } from './schemas/user.schema';
import { UserIdentitiesRepository } from './user-identities.repository';
import { UserDirectory } from './user-directory';
import { UsersRepository } from './users.repository';

/**
 * The users collection and its repositories, without the rules (for tokens
 * and authentication), and the binding of ownership's LiveUsers port to them,
 * global so that OwnershipModule, which users build on, gets it without
 * importing users.
 */
@Global()
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: User.name, schema: UserSchema },
      { name: UserIdentity.name, schema: UserIdentitySchema },
    ]),
  ],
  providers: [UsersRepository, UserIdentitiesRepository, UserDirectory, { provide: LiveUsers, useExisting: UserDirectory }],
  exports: [UsersRepository, UserIdentitiesRepository, UserDirectory, LiveUsers],
})
export class UsersStoreModule {}
