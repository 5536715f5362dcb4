/** The user rules as plain functions (no I/O): a new user, a PATCH as changes, and the errors they raise. */
import { Types } from 'mongoose';
import { ConflictError, EmailTakenError, NotFoundError } from '../common/errors/domain-errors';
import { fieldDetails } from '../common/errors/field-error';
import { FieldChanges } from '../common/mongo/field-changes';
import { searchKey } from '../common/mongo/text';
import { EventActor } from '../events/contract';
import type { Change } from '../events/outbox/outbox';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserState } from './dto/user-response.dto';
import { User } from './schemas/user.schema';

/** A new user, its outbox empty until it is stored with its `user.created` (see userCreated). */
export function newUser(dto: CreateUserDto): User {
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
  if (dto.admin === true) user.admin = true;
  return user;
}

/** The `user.created` of a new user. */
export function userCreated(user: User, actor: EventActor): Change<'user.created'> {
  return { type: 'user.created', id: user._id, sequence: user.rev, data: toUserState(user), actor };
}

/** The $set/$unset of a PATCH, derived keys included; `null` clears an optional field. */
export function userChanges(dto: UpdateUserDto): FieldChanges {
  const requested: FieldChanges = { $set: {}, $unset: {} };
  if (dto.name !== undefined) Object.assign(requested.$set, { name: dto.name, nameKey: searchKey(dto.name) });
  if (dto.email !== undefined) Object.assign(requested.$set, { email: dto.email, emailKey: searchKey(dto.email) });
  if (dto.attributes !== undefined) requested.$set.attributes = dto.attributes ?? {};
  if (dto.admin !== undefined) requested.$set.admin = dto.admin;
  for (const field of ['organization', 'role'] as const) {
    if (dto[field] === null) requested.$unset[field] = 1;
    else if (dto[field] !== undefined) requested.$set[field] = dto[field];
  }
  return requested;
}

/** The user after `changes`, one revision later. */
export function applyUserChanges(current: User, changes: FieldChanges): User {
  const next = { ...current, ...changes.$set, updatedAt: new Date(), rev: current.rev + 1 };
  for (const field of Object.keys(changes.$unset)) delete next[field as keyof User];
  return next;
}

export function userNotFound(id: Types.ObjectId): NotFoundError {
  return new NotFoundError(`user ${id.toHexString()} not found`);
}

export function emailDetails(email: string): { field: string; messages: string[] }[] {
  return [{ field: 'email', messages: [`email ${email} is already registered`] }];
}

export function emailTaken(email: string): EmailTakenError {
  return new EmailTakenError(`email ${email} is already registered`, emailDetails(email));
}

/**
 * The 409 of deleting a user who still holds datasets. Trashed ones count (the
 * trash is still theirs): the message says how many, and how to free them.
 */
export function ownsDatasets(id: Types.ObjectId, held: { total: number; trashed: number }): ConflictError {
  const user = id.toHexString();
  const trash =
    held.trashed > 0
      ? `, ${held.trashed} of them in the trash (GET /datasets?trashed=true&ownerId=${user} lists them; DELETE /datasets/{id}?permanent=true frees one at once)`
      : '';
  const message = `user ${user} owns ${held.total} dataset(s)${trash}; delete or transfer them first, or pass cascade=true`;
  return new ConflictError(message, fieldDetails('cascade', message));
}
