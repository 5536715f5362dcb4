import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { FilterQuery, Model, Types } from 'mongoose';
import { JoinedWrites } from '../common/async/joined-writes';
import { KEEP_UPDATED_AT } from '../common/mongo/field-changes';
import { isDuplicateKeyError } from '../common/mongo/duplicate-key';
import { insertEach, insertManyUnique } from '../common/mongo/unique-inserts';
import { findEachById, findOneById } from '../common/mongo/find-by-ids';
import { containsPattern, searchKey } from '../common/mongo/text';
import { findPage } from '../common/pagination/cursor';
import { createdAtFilter } from '../common/validation/time-range.dto';
import { RegistryEvent } from '../events/contract';
import { OutboxSource } from '../events/outbox/outbox-source';
import { OutboxDocuments } from '../events/outbox/outbox-documents';
import { SearchUsersQueryDto } from './dto/search-users-query.dto';
import { User } from './schemas/user.schema';

const SORT_FIELDS = { createdAt: 'createdAt', name: 'nameKey' } as const;

/** The one place that touches the User model and its collection; the relay reads users' outboxes through it. */
@Injectable()
export class UsersRepository extends OutboxDocuments<User> implements OutboxSource {
  /** The users of the creates running side by side, inserted together: one command for FerretDB instead of one each. */
  private readonly inserts = new JoinedWrites<User>((users) => this.insertJoined(users));

  constructor(@InjectModel(User.name) private readonly users: Model<User>) {
    // A user's events are published at once; a deleted user is a tombstone until they are.
    super(
      users,
      // A user is committed by its insert: nothing is held back.
      null,
      (user) => user.deletedAt !== undefined && user.deletedAt !== null,
    );
  }

  /** Inserts a new user, in one insert with those of the other creates of this turn; false when its e-mail is taken. */
  async insert(user: User): Promise<boolean> {
    const refused = (await this.inserts.store([user])).get(0);
    if (refused && !isDuplicateKeyError(refused)) throw refused;
    return refused === undefined;
  }

  /** Inserts users in one unordered batch; returns the positions whose e-mail was taken. */
  insertMany(users: User[]): Promise<Set<number>> {
    return insertManyUnique(this.users, users, async () => {
      await this.users.deleteMany({ _id: { $in: users.map((user) => user._id) } }).exec();
    });
  }

  /** The stored user, tombstones included. */
  findById(id: Types.ObjectId): Promise<User | null> {
    return findOneById(this.users, id);
  }

  /** The user (not a tombstone: those have another key) whose lower-cased e-mail this is. */
  findByEmailKey(emailKey: string): Promise<User | null> {
    return this.users.findOne({ emailKey }).lean<User>().exec();
  }

  /** Which of `ids` are users that exist and are not deleted. */
  async liveIds(ids: readonly Types.ObjectId[]): Promise<Types.ObjectId[]> {
    const found = await findEachById(this.users, ids);
    return found.flatMap((user) => (user && !user.deletedAt ? [user._id] : []));
  }

  async search(query: SearchUsersQueryDto): Promise<{ rows: User[]; nextCursor: string | null }> {
    const conditions: FilterQuery<User>[] = [{ deletedAt: null }, createdAtFilter(query)];
    if (query.name) conditions.push({ nameKey: containsPattern(query.name) });
    if (query.email) conditions.push({ emailKey: searchKey(query.email) });
    if (query.organization) conditions.push({ organization: query.organization });
    if (query.role) conditions.push({ role: query.role });
    return findPage(this.users, conditions, SORT_FIELDS[query.sort], query);
  }

  /**
   * Writes the effective changes of a user with its event; false when the
   * new e-mail is taken. The caller read the user first under its lock (an
   * update pipeline would do it in one step, but FerretDB has none).
   */
  async writeChanges(
    id: Types.ObjectId,
    changes: { $set: Record<string, unknown>; $unset: Record<string, unknown> },
    next: User,
    event: RegistryEvent,
  ): Promise<boolean> {
    const { $set, $unset } = changes;
    try {
      await this.users
        .updateOne(
          { _id: id },
          {
            $set: { ...$set, updatedAt: next.updatedAt, rev: next.rev },
            $push: { outbox: event },
            ...(Object.keys($unset).length > 0 ? { $unset } : {}),
          },
          KEEP_UPDATED_AT,
        )
        .exec();
      return true;
    } catch (error) {
      // FerretDB reports a unique violation by an update as code 1 (see isDuplicateKeyError).
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Turns the user into a tombstone carrying `event` (user.deleted). */
  async markDeleted(id: Types.ObjectId, rev: number, event: RegistryEvent): Promise<void> {
    await this.users
      .updateOne(
        { _id: id },
        {
          // The e-mail key of a tombstone has no "@", so it never clashes with a real address.
          $set: { deletedAt: new Date(), emailKey: `deleted:${id.toHexString()}`, rev },
          $push: { outbox: event },
        },
        KEEP_UPDATED_AT,
      )
      .exec();
  }

  /** A lone user goes as the plain insert it always was (as a lone dataset does); more, as one unordered batch. */
  private async insertJoined(users: readonly User[]): Promise<Map<number, Error>> {
    if (users.length > 1) return insertEach(this.users, users);
    try {
      await this.users.collection.insertOne(users[0]);
      return new Map();
    } catch (error) {
      // Its caller is the only one: whatever refused the insert is its own.
      return new Map([[0, error as Error]]);
    }
  }
}
