import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrorResponse } from '../common/swagger/api-error-responses.decorator';
import { Principal } from './principal';

/** Who may call a route, declared on every route (see route-policies.ts); each policy: docs/api.md#authentication-and-access. */
export const ACCESS_POLICIES = ['public', 'read', 'write', 'admin', 'register'] as const;
export type AccessPolicy = (typeof ACCESS_POLICIES)[number];

export const ACCESS_POLICY_KEY = 'registry:access-policy';
export const BEARER_SCHEME = 'bearer';

const UNAUTHORIZED =
  'No credentials, or a bearer token that is not valid (unknown, expired, revoked or malformed): `WWW-Authenticate: Bearer`.';
const FORBIDDEN =
  "The caller is known but may not do this: its token's scopes do not allow it, or only the owner, a grantee or an admin may.";

/** Declares a route's access policy, and documents it: `x-access`, the bearer scheme, 401 and 403. */
export function Access(policy: AccessPolicy): MethodDecorator & ClassDecorator {
  const documented =
    policy === 'public' ? [] : [ApiBearerAuth(BEARER_SCHEME), ApiErrorResponse(401, UNAUTHORIZED), ApiErrorResponse(403, FORBIDDEN)];
  return applyDecorators(SetMetadata(ACCESS_POLICY_KEY, policy), ApiExtension('x-access', policy), ...documented);
}

/** What the authentication middleware leaves on a request. */
export interface AuthenticatedRequest extends Request {
  principal?: Principal;
  /** An OIDC identity that names no registry user (yet): it may only register itself, where allowed. */
  identity?: OidcIdentity;
  /** Credentials were sent but are not valid. */
  authFailed?: boolean;
  /** Checking the credentials failed (the store or the identity provider did not answer). */
  authError?: unknown;
}

/** Who an identity provider says the caller is. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

/** The caller of a route whose policy requires one (the guard has made sure there is one). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal on a route without an authenticated caller');
  return principal;
});

/** The caller of a `register` route: a principal, or an identity registering itself. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal | OidcIdentity => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const caller = request.principal ?? request.identity;
  if (!caller) throw new Error('CurrentCaller on a route without a caller');
  return caller;
});
