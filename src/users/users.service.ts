import { HttpStatus, Injectable } from '@nestjs/common';
import { ConflictError, EmailTakenError, NotFoundError } from '../common/errors/domain-errors';
import { Types } from 'mongoose';
import { BulkOutcomes, BulkSummary } from '../common/bulk/bulk-outcomes';
import { EntityLocks } from '../common/locks/entity-locks';
import { effectiveChanges, FieldChanges, hasChanges } from '../common/mongo/field-changes';
import { searchKey } from '../common/mongo/text';
import { validateItem } from '../common/validation/validate-item';
import { DatasetsService } from '../datasets/datasets.service';
import { OwnedDatasets } from '../datasets/owned-datasets';
import { DatasetPageDto } from '../datasets/dto/dataset-response.dto';
import { OwnedDatasetsQueryDto } from '../datasets/dto/search-datasets-query.dto';
import { newEvent } from '../events/outbox/event-factory';
import { Outbox } from '../events/outbox/outbox';
import { CreateUserDto } from './dto/create-user.dto';
import { SearchUsersQueryDto } from './dto/search-users-query.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserResponse, toUserState, UserPageDto, UserResponseDto } from './dto/user-response.dto';
import { User } from './schemas/user.schema';
import { USER_DELETION, USER_UPDATE, userLockKey } from '../ownership/user-locks';
import { UsersRepository } from './users.repository';
import { fieldDetails } from '../common/errors/field-error';

/**
 * Users. Every change is written together with its event in the user's
 * outbox (one single-document write; see events/outbox), and changes of an
 * existing user run under the user's lock.
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

  async create(dto: CreateUserDto): Promise<UserResponseDto> {
    const user = newUser(dto);
    if (!(await this.users.insert(user))) throw emailTaken(dto.email);
    await this.outbox.track('user', [user._id]);
    return toUserResponse(user, []);
  }

  /** Registers many users; each item succeeds or fails on its own (see BulkOutcomes). */
  async createMany(items: unknown[]): Promise<BulkSummary<UserResponseDto>> {
    const outcomes = new BulkOutcomes<UserResponseDto>(items.length);
    const candidates: { index: number; user: User }[] = [];
    const firstWithEmail = new Map<string, number>();
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

    const duplicates = await this.users.insertMany(candidates.map(({ user }) => user));
    const created: Types.ObjectId[] = [];
    for (const [position, { index, user }] of candidates.entries()) {
      if (duplicates.has(position)) {
        outcomes.reject(index, HttpStatus.CONFLICT, `email ${user.email} is already registered`, emailDetails(user.email));
      } else {
        outcomes.accept(index, toUserResponse(user, []));
        created.push(user._id);
      }
    }
    await this.outbox.track('user', created);
    return outcomes.summary();
  }

  async findOne(id: Types.ObjectId): Promise<UserResponseDto> {
    const user = await this.findUser(id);
    const owned = await this.owned.idsOwnedBy([id]);
    return toUserResponse(user, owned.get(id.toHexString()) ?? []);
  }

  async search(query: SearchUsersQueryDto): Promise<UserPageDto> {
    const page = await this.users.search(query);
    const owned = await this.owned.idsOwnedBy(page.rows.map((row) => row._id));
    return {
      items: page.rows.map((row) => toUserResponse(row, owned.get(row._id.toHexString()) ?? [])),
      nextCursor: page.nextCursor,
    };
  }

  async update(id: Types.ObjectId, dto: UpdateUserDto): Promise<UserResponseDto> {
    const requested: FieldChanges = { $set: {}, $unset: {} };
    if (dto.name !== undefined) Object.assign(requested.$set, { name: dto.name, nameKey: searchKey(dto.name) });
    if (dto.email !== undefined) Object.assign(requested.$set, { email: dto.email, emailKey: searchKey(dto.email) });
    if (dto.attributes !== undefined) requested.$set.attributes = dto.attributes ?? {};
    for (const field of ['organization', 'role'] as const) {
      if (dto[field] === null) requested.$unset[field] = 1;
      else if (dto[field] !== undefined) requested.$set[field] = dto[field];
    }
    if (!hasChanges(requested)) return this.findOne(id);

    const user = await this.locks.withLock(userLockKey(id), { purpose: USER_UPDATE }, async () => {
      const current = await this.findUser(id);
      const { $set, $unset } = effectiveChanges(current, requested);
      if (!hasChanges({ $set, $unset })) return current;
      const next = { ...current, ...$set, updatedAt: new Date(), rev: current.rev + 1 };
      for (const field of Object.keys($unset)) delete next[field as keyof User];
      const event = newEvent('user.updated', id.toHexString(), next.rev, toUserState(next));
      if (!(await this.users.writeChanges(id, { $set, $unset }, next, event))) {
        // The e-mail is the only unique field a PATCH can change.
        throw dto.email ? emailTaken(dto.email) : new Error(`user ${id.toHexString()}: unique index violated without an e-mail change`);
      }
      await this.outbox.track('user', [id]);
      return next;
    });
    const owned = await this.owned.idsOwnedBy([id]);
    return toUserResponse(user, owned.get(id.toHexString()) ?? []);
  }

  /**
   * Deletes a user. Taking the user's lock for deletion comes first: from then
   * on no dataset can be created for or transferred to the user (see
   * DatasetOwners, which looks for this lock after a create has written its
   * pending dataset), so the look for owned datasets — or the cascade —
   * cannot be overtaken by a concurrent create. The user becomes a tombstone
   * (invisible, its e-mail free again) carrying `user.deleted` until that
   * event is published.
   */
  async remove(id: Types.ObjectId, cascade: boolean): Promise<void> {
    await this.locks.withLock(userLockKey(id), { purpose: USER_DELETION }, async (lock) => {
      const user = await this.findUser(id);
      if (cascade) {
        // A long cascade keeps its lock alive as it goes.
        await this.owned.removeAllOwnedBy(id, () => this.locks.extend(lock));
      } else {
        const held = await this.owned.countHeldBy(id);
        if (held > 0) {
          const message = `user ${id.toHexString()} owns ${held} dataset(s); delete or transfer them first, or pass cascade=true`;
          throw new ConflictError(message, fieldDetails('cascade', message));
        }
      }
      const rev = user.rev + 1;
      await this.users.markDeleted(id, rev, newEvent('user.deleted', id.toHexString(), rev, { id: id.toHexString() }));
      await this.outbox.track('user', [id]);
    });
  }

  async listDatasets(id: Types.ObjectId, query: OwnedDatasetsQueryDto): Promise<DatasetPageDto> {
    await this.findUser(id);
    return this.datasets.search({ ...query, ownerId: id.toHexString() });
  }

  private async findUser(id: Types.ObjectId): Promise<User> {
    const user = await this.users.findById(id);
    if (!user || user.deletedAt) throw userNotFound(id);
    return user;
  }
}

function newUser(dto: CreateUserDto): User {
  const now = new Date();
  const user: User = {
    _id: new Types.ObjectId(),
    name: dto.name,
    nameKey: searchKey(dto.name),
    email: dto.email,
    emailKey: searchKey(dto.email),
    attributes: dto.attributes ?? {},
    rev: 1,
    outbox: [],
    createdAt: now,
    updatedAt: now,
  };
  // An optional field sent as null is simply not given (@IsOptional lets null through).
  if (dto.organization != null) user.organization = dto.organization;
  if (dto.role != null) user.role = dto.role;
  user.outbox.push(newEvent('user.created', user._id.toHexString(), user.rev, toUserState(user)));
  return user;
}

function userNotFound(id: Types.ObjectId): NotFoundError {
  return new NotFoundError(`user ${id.toHexString()} not found`);
}

function emailDetails(email: string): { field: string; messages: string[] }[] {
  return [{ field: 'email', messages: [`email ${email} is already registered`] }];
}

function emailTaken(email: string): EmailTakenError {
  return new EmailTakenError(`email ${email} is already registered`, emailDetails(email));
}
