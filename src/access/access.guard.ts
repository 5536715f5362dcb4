import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthenticatedError } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { AuthFailure, RegistryMetrics } from '../metrics/registry-metrics';
import { ACCESS_POLICY_KEY, AccessPolicy, AuthenticatedRequest } from './access.decorator';
import { actsAsAdmin, Principal } from './principal';

/**
 * Enforces each route's declared policy (see Access): deny by default — a
 * route without one is refused here too, though the app does not even boot
 * with such a route (route-policies.ts). Per-resource rules (owner, grantee)
 * are the services'. HTTP only: the Kafka handlers share the app's guards.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly metrics: RegistryMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    try {
      return this.decide(context);
    } catch (error) {
      this.metrics.authFailed(failureOf(error));
      throw error;
    }
  }

  private decide(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const policy = this.reflector.get<AccessPolicy | undefined>(ACCESS_POLICY_KEY, context.getHandler());
    if (policy === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.authError !== undefined) throw asError(request.authError);
    if (policy === 'register' && !request.principal && request.identity && this.config.auth.selfRegistration) return true;
    const principal = request.principal;
    if (!principal) throw unauthenticated(request.authFailed === true || request.identity !== undefined);
    if (policy === undefined) throw new ForbiddenError('this route declares no access policy');
    assertAllowed(principal, policy);
    return true;
  }
}

/** The reason a refusal is counted under (auth_failures_total). */
function failureOf(error: unknown): AuthFailure {
  if (error instanceof ForbiddenError) return 'forbidden';
  if (error instanceof UnauthenticatedError) return error.tokenSent ? 'invalid_token' : 'missing_credentials';
  return 'provider_error';
}

function unauthenticated(tokenSent: boolean): UnauthenticatedError {
  // The same words for an unknown, expired, revoked or malformed token: nothing to learn from them.
  const message = tokenSent
    ? 'the bearer token is not valid'
    : 'authentication required: send Authorization: Bearer <API token or OIDC access token>';
  return new UnauthenticatedError(message, tokenSent);
}

function assertAllowed(principal: Principal, policy: Exclude<AccessPolicy, 'public'>): void {
  if (policy === 'admin' || policy === 'register') {
    if (!actsAsAdmin(principal)) {
      const why = principal.admin ? 'a token with the admin scope' : 'an admin';
      throw new ForbiddenError(
        `only ${why} may do this${policy === 'register' ? ' (self-registration is for OIDC identities without a user)' : ''}`,
      );
    }
    return;
  }
  if (!principal.scopes.has(policy)) {
    throw new ForbiddenError(`this token's scopes (${[...principal.scopes].join(', ')}) do not include ${policy}`);
  }
}

function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
