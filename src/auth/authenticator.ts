import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { TokensService } from '../tokens/tokens.service';
import { UserAccountsService } from '../users/user-accounts.service';
import { LiveUser, UserDirectory } from '../users/user-directory';
import { OidcIdentity } from '../access/access.decorator';
import { OidcVerifier } from './oidc-verifier';
import { Principal, SCOPES, scopesFrom } from '../access/principal';

/** Who a bearer token names: a principal, an identity without a user (it may only register itself), or nobody. */
export interface Authentication {
  principal?: Principal;
  identity?: OidcIdentity;
}

/**
 * Turns a bearer token into a principal: a registry API token (`dsr_…`), or
 * an OIDC JWT whose user is found by the configured claim — or made on
 * first sight, with just-in-time provisioning. A deleted user's credentials
 * name nobody. Users are cached for AUTH_CACHE_SECONDS.
 */
@Injectable()
export class Authenticator {
  private readonly users = new Map<string, { user: LiveUser | undefined; until: number }>();

  constructor(
    private readonly tokens: TokensService,
    private readonly oidc: OidcVerifier,
    private readonly directory: UserDirectory,
    private readonly accounts: UserAccountsService,
    private readonly config: AppConfig,
  ) {}

  async authenticate(bearer: string): Promise<Authentication> {
    if (this.oidc.accepts(bearer)) return this.fromJwt(bearer);
    const token = await this.tokens.verify(bearer);
    if (!token) return {};
    const user = await this.user(token.userId);
    if (!user) return {};
    const principal: Principal = {
      userId: user.id,
      admin: user.admin,
      scopes: scopesFrom(token.scopes),
      via: 'api-token',
      tokenId: token.tokenId,
    };
    if (token.datasetIds) principal.datasetIds = new Set(token.datasetIds);
    return { principal };
  }

  private async fromJwt(bearer: string): Promise<Authentication> {
    const verified = await this.oidc.verify(bearer);
    const oidc = this.config.auth.oidc;
    if (!verified || !oidc) return {};
    const { identity } = verified;
    const byEmail = oidc.userClaim === 'email';
    if (byEmail && (!identity.email || identity.emailVerified === false)) return { identity };
    let user = await this.cached(byEmail ? `email:${identity.email?.toLowerCase()}` : `sub:${identity.issuer}#${identity.subject}`, () =>
      byEmail ? this.directory.findLiveByEmail(identity.email ?? '') : this.directory.findLiveByIdentity(identity.issuer, identity.subject),
    );
    if (!user && oidc.jitProvisioning) user = await this.accounts.provision(identity);
    if (!user) return { identity };
    const scopes = scopesFrom(verified.scopes ?? [...SCOPES]);
    return { principal: { userId: user.id, admin: user.admin, scopes, via: 'oidc' } };
  }

  private user(id: Types.ObjectId): Promise<LiveUser | undefined> {
    return this.cached(`id:${id.toHexString()}`, () => this.directory.findLive(id), true);
  }

  /**
   * A user lookup, remembered for AUTH_CACHE_SECONDS. "No such user" is
   * remembered only for a token's user (a deleted one stays refused); for an
   * identity it is not, so that a user registered meanwhile is found at once.
   */
  private async cached(key: string, find: () => Promise<LiveUser | undefined>, rememberMissing = false): Promise<LiveUser | undefined> {
    const hit = this.users.get(key);
    if (hit && hit.until > Date.now()) return hit.user;
    const user = await find();
    if (this.config.auth.cacheMs > 0 && (user || rememberMissing)) {
      this.users.set(key, { user, until: Date.now() + this.config.auth.cacheMs });
      if (this.users.size > 10_000) this.users.delete(this.users.keys().next().value as string);
    }
    return user;
  }
}
