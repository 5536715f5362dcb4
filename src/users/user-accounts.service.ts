import { Injectable, Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import type { OidcIdentity } from '../access/access.decorator';
import { EmailTakenError, ForbiddenError } from '../common/errors/domain-errors';
import { fieldDetails } from '../common/errors/field-error';
import { EntityLocks } from '../common/locks/entity-locks';
import { searchKey } from '../common/mongo/text';
import { EMAIL_PATTERN, textProblem } from '../common/validation/text';
import { AppConfig } from '../config/app-config';
import { EventActor } from '../events/contract';
import { Outbox } from '../events/outbox/outbox';
import { USER_UPDATE, userLockKey } from '../ownership/user-locks';
import { CreateUserDto } from './dto/create-user.dto';
import { toUserState, UserResponseDto } from './dto/user-response.dto';
import { LiveUser, UserDirectory } from './user-directory';
import { UserIdentitiesRepository } from './user-identities.repository';
import { applyUserChanges, newUser } from './user-rules';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

const PROVISIONING: EventActor = { type: 'system', name: 'oidc-provisioning' };
const SELF_REGISTRATION: EventActor = { type: 'system', name: 'self-registration' };
const BOOTSTRAP: EventActor = { type: 'system', name: 'bootstrap-admin' };

/**
 * Users that come from somewhere other than an admin's POST: an identity
 * provider's users, on first sight (OIDC_JIT_PROVISIONING) or registering
 * themselves (USERS_SELF_REGISTRATION), and the configured first admin.
 */
@Injectable()
export class UserAccountsService {
  private readonly logger = new Logger(UserAccountsService.name);

  constructor(
    private readonly usersService: UsersService,
    private readonly users: UsersRepository,
    private readonly identities: UserIdentitiesRepository,
    private readonly directory: UserDirectory,
    private readonly locks: EntityLocks,
    private readonly outbox: Outbox,
    private readonly config: AppConfig,
  ) {}

  /** POST /users by an OIDC identity with no user yet: a user of its own verified e-mail address, never an admin. */
  async register(dto: CreateUserDto, identity: OidcIdentity): Promise<UserResponseDto> {
    if (dto.admin === true)
      throw new ForbiddenError('only an admin may create an admin', fieldDetails('admin', 'only an admin may set it'));
    if (!identity.email || identity.emailVerified === false) {
      throw new ForbiddenError('registering yourself needs a verified email claim in your token');
    }
    if (searchKey(identity.email) !== searchKey(dto.email)) {
      const message = 'email must be the address your identity provider vouches for';
      throw new ForbiddenError(message, fieldDetails('email', message));
    }
    const created = await this.usersService.insert(newUser(dto), SELF_REGISTRATION);
    await this.link(identity, new Types.ObjectId(created.id));
    return created;
  }

  /**
   * A user for an identity seen for the first time (just-in-time
   * provisioning), or undefined when it cannot have one: no verified e-mail,
   * or its address belongs to a user it may not be linked to.
   */
  async provision(identity: OidcIdentity): Promise<LiveUser | undefined> {
    const email = identity.email;
    if (!email || identity.emailVerified === false || !new RegExp(EMAIL_PATTERN).test(email) || email.length > 254) return undefined;
    try {
      const created = await this.usersService.insert(newUser({ name: displayName(identity, email), email }), PROVISIONING);
      const id = new Types.ObjectId(created.id);
      await this.link(identity, id);
      this.logger.log({ userId: created.id, issuer: identity.issuer }, 'provisioned a user for a new identity');
      return { id, name: created.name, email, admin: false };
    } catch (error) {
      if (!(error instanceof EmailTakenError)) throw error;
      // Another request provisioned it meanwhile, or the address is an existing user's: only a verified address may be linked.
      const existing = await this.directory.findLiveByEmail(email);
      if (!existing || identity.emailVerified !== true) return undefined;
      await this.link(identity, existing.id);
      return existing;
    }
  }

  /** BOOTSTRAP_ADMIN_EMAIL: the user with this address exists and is an admin afterwards. Returns their id. */
  async ensureAdmin(email: string): Promise<Types.ObjectId> {
    for (;;) {
      const existing = await this.directory.findLiveByEmail(email);
      if (existing?.admin) return existing.id;
      if (existing) {
        await this.makeAdmin(existing.id);
        return existing.id;
      }
      try {
        const created = await this.usersService.insert(newUser({ name: 'admin', email, admin: true }), BOOTSTRAP);
        this.logger.log({ userId: created.id }, 'created the bootstrap admin');
        return new Types.ObjectId(created.id);
      } catch (error) {
        if (!(error instanceof EmailTakenError)) throw error; // another instance made it meanwhile: look again
      }
    }
  }

  private async makeAdmin(id: Types.ObjectId): Promise<void> {
    await this.locks.withLock(userLockKey(id), { purpose: USER_UPDATE }, async () => {
      const current = await this.users.findById(id);
      if (!current || current.deletedAt || current.admin) return;
      const changes = { $set: { admin: true }, $unset: {} };
      const next = applyUserChanges(current, changes);
      const change = { type: 'user.updated' as const, id, sequence: next.rev, data: toUserState(next), actor: BOOTSTRAP };
      await this.outbox.recordChange(change, (event) => this.users.writeChanges(id, changes, next, event));
    });
    this.logger.log({ userId: id.toHexString() }, 'made the bootstrap admin an admin');
  }

  /** With OIDC_USER_CLAIM=sub the identity is found by its subject from now on (by e-mail, it needs no link). */
  private async link(identity: OidcIdentity, userId: Types.ObjectId): Promise<void> {
    if (this.config.auth.oidc?.userClaim !== 'sub') return;
    await this.identities.link(identity.issuer, identity.subject, userId);
  }
}

/** A display name from the identity's `name` claim when it is a valid one, else the e-mail's local part. */
function displayName(identity: OidcIdentity, email: string): string {
  const name = identity.name?.trim();
  if (name && textProblem(name, { kind: 'label', maxLength: 200 }) === undefined) return name;
  return email.slice(0, email.indexOf('@')).slice(0, 200);
}
