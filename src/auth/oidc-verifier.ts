import { Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify } from 'jose';
import { UnavailableError } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { OidcIdentity } from '../access/access.decorator';

/** Three base64url parts: what a JWS compact serialisation looks like, before anything is decoded. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A verified token: who the identity provider says the caller is, and the registry scopes it names, if any. */
export interface VerifiedJwt {
  identity: OidcIdentity;
  /** `registry:read|write|admin` in the `scope` claim, when it names any (the credential is then limited to them). */
  scopes?: ('read' | 'write' | 'admin')[];
}

/**
 * Verifies OIDC access tokens (JWTs) with jose: the signature against the
 * provider's JWKS (fetched and cached by jose, refetched for an unknown key
 * id), the issuer, the audience, expiry and not-before with a small clock
 * tolerance, and only the configured algorithms (so never `none`).
 */
@Injectable()
export class OidcVerifier {
  private readonly logger = new Logger(OidcVerifier.name);
  private readonly keys?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: AppConfig) {
    const oidc = config.auth.oidc;
    if (oidc)
      this.keys = createRemoteJWKSet(new URL(oidc.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  }

  /** Whether `bearer` could be one of our JWTs at all (OIDC configured, and it has the shape). */
  accepts(bearer: string): boolean {
    return this.keys !== undefined && JWT_SHAPE.test(bearer);
  }

  /** The verified claims, or undefined for a token that is not valid; throws UnavailableError when the key set cannot be fetched. */
  async verify(bearer: string): Promise<VerifiedJwt | undefined> {
    const oidc = this.config.auth.oidc;
    if (!oidc || !this.keys) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(bearer, this.keys, {
        issuer: oidc.issuer,
        audience: oidc.audience,
        clockTolerance: oidc.clockToleranceSeconds,
        algorithms: [...oidc.algorithms],
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        this.logger.warn(`the identity provider's key set could not be fetched: ${(error as Error).message}`);
        throw new UnavailableError('the identity provider cannot be reached to verify the token; retry later');
      }
      return undefined;
    }
    if (typeof payload.iss !== 'string' || typeof payload.sub !== 'string' || payload.sub === '') return undefined;
    const identity: OidcIdentity = { issuer: payload.iss, subject: payload.sub };
    if (typeof payload.email === 'string') identity.email = payload.email;
    if (typeof payload.email_verified === 'boolean') identity.emailVerified = payload.email_verified;
    if (typeof payload.name === 'string') identity.name = payload.name;
    return { identity, ...registryScopes(payload.scope) };
  }
}

function registryScopes(scope: unknown): { scopes?: ('read' | 'write' | 'admin')[] } {
  if (typeof scope !== 'string') return {};
  const named = scope
    .split(' ')
    .filter((item) => /^registry:(read|write|admin)$/.test(item))
    .map((item) => item.slice('registry:'.length) as 'read' | 'write' | 'admin');
  return named.length > 0 ? { scopes: named } : {};
}
