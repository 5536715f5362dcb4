import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { UsersRepository } from './users.repository';

/** What the ownership protocol may know of users: which exist. */
@Injectable()
export class UserDirectory {
  constructor(private readonly users: UsersRepository) {}

  /** Which of `ids` are users that exist and are not deleted (a deleted user's tombstone counts as missing). */
  liveIds(ids: readonly Types.ObjectId[]): Promise<Types.ObjectId[]> {
    return this.users.liveIds(ids);
  }
}
