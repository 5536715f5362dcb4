import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { searchKey } from '../common/mongo/text';
import { LiveUsers } from '../ownership/live-users';
import { User } from './schemas/user.schema';
import { UserIdentitiesRepository } from './user-identities.repository';
import { UsersRepository } from './users.repository';

/** What other modules may know of a user: that they exist, and whether they are an admin. */
export interface LiveUser {
  id: Types.ObjectId;
  name: string;
  email: string;
  admin: boolean;
}

/**
 * Who the users are, for the modules the users module builds on or beside:
 * the ownership protocol (which users exist) and authentication (whom a
 * credential names).
 */
@Injectable()
export class UserDirectory implements LiveUsers {
  constructor(
    private readonly users: UsersRepository,
    private readonly identities: UserIdentitiesRepository,
  ) {}

  /** Which of `ids` are users that exist and are not deleted (a deleted user's tombstone counts as missing). */
  liveIds(ids: readonly Types.ObjectId[]): Promise<Types.ObjectId[]> {
    return this.users.liveIds(ids);
  }

  async findLive(id: Types.ObjectId): Promise<LiveUser | undefined> {
    return live(await this.users.findById(id));
  }

  /** The user with this e-mail address (case-insensitively), if any. */
  async findLiveByEmail(email: string): Promise<LiveUser | undefined> {
    return live(await this.users.findByEmailKey(searchKey(email)));
  }

  /** The user an identity provider's subject is linked to, if any. */
  async findLiveByIdentity(issuer: string, subject: string): Promise<LiveUser | undefined> {
    const userId = await this.identities.userOf(issuer, subject);
    return userId ? this.findLive(userId) : undefined;
  }
}

function live(user: User | null): LiveUser | undefined {
  if (!user || user.deletedAt) return undefined;
  return { id: user._id, name: user.name, email: user.email, admin: user.admin === true };
}
