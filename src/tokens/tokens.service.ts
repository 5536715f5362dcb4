import { Injectable, Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { mayManageUser, Principal, Scope, scopesFrom } from '../access/principal';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../common/errors/domain-errors';
import { fieldDetails } from '../common/errors/field-error';
import { parseDateTime } from '../common/validation/date-time';
import { AppConfig } from '../config/app-config';
import { LiveUser, UserDirectory } from '../users/user-directory';
import { CreateTokenDto } from './dto/create-token.dto';
import { CreatedTokenResponseDto, TokenListDto, toTokenResponse } from './dto/token-response.dto';
import { ApiToken } from './schemas/api-token.schema';
import { hashToken, newApiToken, tokenIdOf, tokenMatches } from './token-format';
import { TokensRepository } from './tokens.repository';

/** Tokens one user may hold at once: enough for every job, few enough to list whole. */
export const MAX_TOKENS_PER_USER = 50;
/** `lastUsedAt` is written at most this often per token (it would otherwise be a write per request). */
const TOUCH_EVERY_MS = 60_000;

/** A token that verified: whose it is and what it may do. */
export interface VerifiedToken {
  tokenId: string;
  userId: Types.ObjectId;
  scopes: Scope[];
  datasetIds?: string[];
}

/**
 * Registry API tokens: made by a user for themselves (or by an admin), shown
 * once, stored as a hash; verified on every request by one `_id` lookup,
 * cached for AUTH_CACHE_SECONDS (a revocation clears this instance's cache at
 * once, other instances' within that time).
 */
@Injectable()
export class TokensService {
  private readonly logger = new Logger(TokensService.name);
  private readonly cache = new Map<string, { token: ApiToken; until: number }>();
  private readonly touched = new Map<string, number>();
  /** Use notes still being written: a list waits for them, so a token used a moment ago shows when. */
  private readonly touching = new Set<Promise<void>>();

  constructor(
    private readonly tokens: TokensRepository,
    private readonly users: UserDirectory,
    private readonly config: AppConfig,
  ) {}

  async create(userId: Types.ObjectId, dto: CreateTokenDto, principal: Principal): Promise<CreatedTokenResponseDto> {
    const user = await this.manageable(userId, principal);
    if (principal.datasetIds) throw new ForbiddenError('a token limited to datasets may not make tokens');
    const granted = scopesFrom(dto.scopes);
    const beyond = [...granted].filter((scope) => !principal.scopes.has(scope));
    if (beyond.length > 0)
      throw new ForbiddenError(
        `a token cannot grant more than its maker holds (not ${beyond.join(', ')})`,
        fieldDetails('scopes', `not held: ${beyond.join(', ')}`),
      );
    if (granted.has('admin') && !user.admin) {
      throw new UnprocessableError(
        `user ${userId.toHexString()} is not an admin: no admin scope`,
        fieldDetails('scopes', 'admin is for admin users only'),
      );
    }
    const expiresAt = dto.expiresAt == null ? undefined : new Date(parseDateTime(dto.expiresAt));
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      // Well-formed, but a date the token could never be used before: a verdict on the value, like an owner that does not exist.
      throw new UnprocessableError('expiresAt must be in the future', fieldDetails('expiresAt', 'expiresAt must be in the future'));
    }
    if ((await this.tokens.countOf(userId)) >= MAX_TOKENS_PER_USER) {
      throw new ConflictError(`user ${userId.toHexString()} holds ${MAX_TOKENS_PER_USER} tokens already; revoke one first`);
    }
    for (;;) {
      const made = newApiToken();
      const token: ApiToken = {
        _id: made.id,
        userId,
        name: dto.name,
        hash: made.hash,
        scopes: dto.scopes,
        createdAt: new Date(),
        createdBy: principal.userId,
      };
      if (dto.datasetIds) token.datasetIds = dto.datasetIds.map((id) => id.toLowerCase());
      if (expiresAt) token.expiresAt = expiresAt;
      if (await this.tokens.insert(token)) {
        this.logger.log({ tokenId: token._id, userId: userId.toHexString(), by: principal.userId.toHexString() }, 'API token created');
        return { ...toTokenResponse(token), token: made.token };
      }
    }
  }

  async list(userId: Types.ObjectId, principal: Principal): Promise<TokenListDto> {
    await this.manageable(userId, principal);
    await Promise.allSettled([...this.touching]);
    return { items: (await this.tokens.listOf(userId)).map(toTokenResponse) };
  }

  async revoke(userId: Types.ObjectId, tokenId: string, principal: Principal): Promise<void> {
    await this.manageable(userId, principal);
    if (!(await this.tokens.remove(userId, tokenId))) throw new NotFoundError(`user ${userId.toHexString()} has no token ${tokenId}`);
    this.cache.delete(tokenId);
    this.logger.log({ tokenId, userId: userId.toHexString(), by: principal.userId.toHexString() }, 'API token revoked');
  }

  /** The token's grant, or undefined for anything that is not a live token (unknown, wrong secret, expired). */
  async verify(bearer: string): Promise<VerifiedToken | undefined> {
    const id = tokenIdOf(bearer);
    if (!id) return undefined;
    const token = await this.lookup(id);
    if (!token || !tokenMatches(bearer, token.hash)) return undefined;
    const now = Date.now();
    if (token.expiresAt && token.expiresAt.getTime() <= now) return undefined;
    this.noteUse(id, now);
    return { tokenId: id, userId: token.userId, scopes: token.scopes, ...(token.datasetIds ? { datasetIds: token.datasetIds } : {}) };
  }

  /** Registers a configured token (BOOTSTRAP_ADMIN_TOKEN) for `userId` with every scope; idempotent. */
  async ensureToken(userId: Types.ObjectId, bearer: string, name: string): Promise<void> {
    const id = tokenIdOf(bearer);
    if (!id) throw new Error('not a registry API token');
    const existing = await this.tokens.findById(id);
    if (existing && existing.userId.equals(userId) && tokenMatches(bearer, existing.hash)) return;
    await this.tokens.replace({ _id: id, userId, name, hash: hashToken(bearer), scopes: ['admin'], createdAt: new Date() });
    this.cache.delete(id);
  }

  private async lookup(id: string): Promise<ApiToken | null> {
    const cached = this.cache.get(id);
    if (cached && cached.until > Date.now()) return cached.token;
    const token = await this.tokens.findById(id);
    if (this.config.auth.cacheMs > 0) {
      if (token) this.cache.set(id, { token, until: Date.now() + this.config.auth.cacheMs });
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    }
    return token;
  }

  private noteUse(id: string, now: number): void {
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    if (this.touched.size > 10_000) this.touched.delete(this.touched.keys().next().value as string);
    // Not awaited: bookkeeping must not slow the request, and its failure must not fail it.
    const touch = this.tokens
      .touch(id, new Date(now))
      .catch((error: Error) => this.logger.warn(`could not note the use of token ${id}: ${error.message}`))
      .finally(() => this.touching.delete(touch));
    this.touching.add(touch);
  }

  /** The user, when the caller may manage their tokens: 404 for no such user, 403 for someone else's. */
  private async manageable(userId: Types.ObjectId, principal: Principal): Promise<LiveUser> {
    const user = await this.users.findLive(userId);
    if (!user) throw new NotFoundError(`user ${userId.toHexString()} not found`);
    if (!mayManageUser(principal, userId)) throw new ForbiddenError("only the user themselves or an admin may manage a user's tokens");
    return user;
  }
}
