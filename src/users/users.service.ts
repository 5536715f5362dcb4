import { HttpStatus, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { actorOf, actsAsAdmin, isUser, mayManageUser, Principal } from '../access/principal';
import { BulkOutcomes, BulkSummary } from '../common/bulk/bulk-outcomes';
import { ConflictError, ForbiddenError } from '../common/errors/domain-errors';
import { fieldDetails } from '../common/errors/field-error';
import { EntityLocks } from '../common/locks/entity-locks';
import { EventActor } from '../events/contract';
import { effectiveChanges, hasChanges } from '../common/mongo/field-changes';
import { validateItem } from '../common/validation/validate-item';
import { DatasetsService } from '../datasets/datasets.service';
import { DatasetPageDto } from '../datasets/dto/dataset-response.dto';
import { OwnedDatasetsQueryDto } from '../datasets/dto/search-datasets-query.dto';
import { OwnedDatasets } from '../datasets/owned-datasets';
import { Outbox } from '../events/outbox/outbox';
import { USER_DELETION, USER_UPDATE, userLockKey } from '../ownership/user-locks';
import { CreateUserDto } from './dto/create-user.dto';
import { SearchUsersQueryDto } from './dto/search-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserResponse, toUserState, UserPageDto, UserResponseDto } from './dto/user-response.dto';
import { User } from './schemas/user.schema';
import { applyUserChanges, emailDetails, emailTaken, newUser, ownsDatasets, userChanges, userCreated, userNotFound } from './user-rules';
import { UsersRepository } from './users.repository';

/**
 * Users. Every change is written together with its event in the user's
 * outbox (one single-document write; see events/outbox), and changes of an
 * existing user run under the user's lock. Anyone signed in may look users
 * up; their e-mail addresses only they themselves and admins see.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly datasets: DatasetsService,
    private readonly owned: OwnedDatasets,
    private readonly locks: EntityLocks,
    private readonly outbox: Outbox,
  ) {}

  /** Registers a user (an admin's call: see the route's policy). */
  async create(dto: CreateUserDto, principal: Principal): Promise<UserResponseDto> {
    return this.insert(newUser(dto), actorOf(principal));
  }

  /** Stores a new user built by newUser, with its `user.created`; 409 when its e-mail is taken. */
  async insert(user: User, actor: EventActor): Promise<UserResponseDto> {
    await this.outbox.recordChange(userCreated(user, actor), async (event) => {
      if (!(await this.users.insert({ ...user, outbox: [event] }))) throw emailTaken(user.email);
    });
    return toUserResponse(user, [], true);
  }

  /** Registers many users; each item succeeds or fails on its own (see BulkOutcomes). */
  async createMany(items: unknown[], principal: Principal): Promise<BulkSummary<UserResponseDto>> {
    const outcomes = new BulkOutcomes<UserResponseDto>(items.length);
    const candidates: { index: number; user: User }[] = [];
    const firstWithEmail = new Map<string, number>();
    const actor = actorOf(principal);
    for (const [index, item] of items.entries()) {
      const result = await validateItem(CreateUserDto, item);
      if (!result.ok) {
        outcomes.reject(index, HttpStatus.BAD_REQUEST, result.message, result.details);
        continue;
      }
      const user = newUser(result.value);
      const first = firstWithEmail.get(user.emailKey);
      if (first === undefined) {
        firstWithEmail.set(user.emailKey, index);
        candidates.push({ index, user });
      } else {
        outcomes.reject(index, HttpStatus.CONFLICT, `same email as item ${first} of this request`, emailDetails(user.email));
      }
    }
    if (candidates.length === 0) return outcomes.summary();

    const users = candidates.map(({ user }) => user);
    await this.outbox.recordChanges(
      users.map((user) => userCreated(user, actor)),
      async (events) => {
        const duplicates = await this.users.insertMany(users.map((user, i) => ({ ...user, outbox: [events[i]] })));
        const created: User[] = [];
        for (const [position, { index, user }] of candidates.entries()) {
          if (duplicates.has(position)) {
            outcomes.reject(index, HttpStatus.CONFLICT, `email ${user.email} is already registered`, emailDetails(user.email));
          } else {
            outcomes.accept(index, toUserResponse(user, [], true));
            created.push(user);
          }
        }
        return created;
      },
    );
    return outcomes.summary();
  }

  async findOne(id: Types.ObjectId, viewer: Principal): Promise<UserResponseDto> {
    // One round trip of waiting instead of two: the index is read before the user is known to exist (wasted only on a 404).
    const [user, owned] = await Promise.all([this.findUser(id), this.owned.idsOwnedBy([id], viewer)]);
    return toUserResponse(user, owned.get(id.toHexString()) ?? [], mayManageUser(viewer, id));
  }

  async search(query: SearchUsersQueryDto, viewer: Principal): Promise<UserPageDto> {
    if (query.email !== undefined && !actsAsAdmin(viewer)) {
      // Other users' e-mail addresses are the admins' to see: nor may anyone else probe for them.
      throw new ForbiddenError('only admins may search by e-mail', fieldDetails('email', 'only admins may search by e-mail'));
    }
    const page = await this.users.search(query);
    const owned = await this.owned.idsOwnedBy(
      page.rows.map((row) => row._id),
      viewer,
    );
    return {
      items: page.rows.map((row) => toUserResponse(row, owned.get(row._id.toHexString()) ?? [], mayManageUser(viewer, row._id))),
      nextCursor: page.nextCursor,
    };
  }

  /** Changes a user: themselves or an admin; the `admin` flag only an admin, and not their own. */
  async update(id: Types.ObjectId, dto: UpdateUserDto, principal: Principal): Promise<UserResponseDto> {
    await this.findUser(id);
    if (!mayManageUser(principal, id)) throw new ForbiddenError('only the user themselves or an admin may change a user');
    if (dto.admin !== undefined && !actsAsAdmin(principal)) {
      throw new ForbiddenError('only an admin may make or unmake admins', fieldDetails('admin', 'only an admin may change it'));
    }
    if (dto.admin === false && isUser(principal, id)) {
      throw new ConflictError('an admin cannot take away their own admin rights; ask another admin', fieldDetails('admin', 'not your own'));
    }
    const requested = userChanges(dto);
    if (!hasChanges(requested)) return this.findOne(id, principal);

    const user = await this.locks.withLock(userLockKey(id), { purpose: USER_UPDATE }, async () => {
      const current = await this.findUser(id);
      const changes = effectiveChanges(current, requested);
      if (!hasChanges(changes)) return current;
      const next = applyUserChanges(current, changes);
      const change = { type: 'user.updated' as const, id, sequence: next.rev, data: toUserState(next), actor: actorOf(principal) };
      await this.outbox.recordChange(change, async (event) => {
        if (!(await this.users.writeChanges(id, changes, next, event))) {
          // The e-mail is the only unique field a PATCH can change.
          throw dto.email ? emailTaken(dto.email) : new Error(`user ${id.toHexString()}: unique index violated without an e-mail change`);
        }
      });
      return next;
    });
    const owned = await this.owned.idsOwnedBy([id], principal);
    return toUserResponse(user, owned.get(id.toHexString()) ?? [], true);
  }

  /**
   * Deletes a user (an admin's call, not of themselves), under the user's deletion lock taken first so no create or
   * transfer overtakes the look for owned datasets; the user stays a tombstone until `user.deleted` is out (docs/outbox.md#ownership-writes).
   */
  async remove(id: Types.ObjectId, cascade: boolean, principal: Principal): Promise<void> {
    if (isUser(principal, id)) throw new ConflictError('an admin cannot delete themselves; ask another admin');
    const actor = actorOf(principal);
    await this.locks.withLock(userLockKey(id), { purpose: USER_DELETION }, async (lock) => {
      const user = await this.findUser(id);
      if (cascade) {
        // A long cascade keeps its lock alive as it goes.
        await this.owned.removeAllOwnedBy(id, actor, () => this.locks.extend(lock));
      } else {
        const held = await this.owned.countHeldBy(id);
        if (held.total > 0) throw ownsDatasets(id, held);
      }
      const rev = user.rev + 1;
      const change = { type: 'user.deleted' as const, id, sequence: rev, data: { id: id.toHexString() }, actor };
      await this.outbox.recordChange(change, (event) => this.users.markDeleted(id, rev, event));
    });
  }

  /** A user's datasets that the caller may read. */
  async listDatasets(id: Types.ObjectId, query: OwnedDatasetsQueryDto, viewer: Principal): Promise<DatasetPageDto> {
    await this.findUser(id);
    return this.datasets.search({ ...query, ownerId: id.toHexString() }, viewer);
  }

  private async findUser(id: Types.ObjectId): Promise<User> {
    const user = await this.users.findById(id);
    if (!user || user.deletedAt) throw userNotFound(id);
    return user;
  }
}
