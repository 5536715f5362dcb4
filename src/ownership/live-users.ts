import { Types } from 'mongoose';

/**
 * The port through which ownership learns which users exist: the users' store
 * binds it (UsersStoreModule), so ownership, which users build on, imports
 * nothing of users.
 */
export abstract class LiveUsers {
  /** Which of `ids` are users that exist and are not deleted (a deleted user's tombstone counts as missing). */
  abstract liveIds(ids: readonly Types.ObjectId[]): Promise<Types.ObjectId[]>;
}
