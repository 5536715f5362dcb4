import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Types } from 'mongoose';
import { principalOf } from './testing/principals';
import { ForbiddenError, UnauthenticatedError } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { AccessPolicy, AuthenticatedRequest } from './access.decorator';
import { AccessGuard } from './access.guard';
import { RegistryMetrics } from '../metrics/registry-metrics';

function contextOf(policy: AccessPolicy | undefined, request: Partial<AuthenticatedRequest>, type = 'http'): ExecutionContext {
  const handler = (): void => undefined;
  if (policy) Reflect.defineMetadata('registry:access-policy', policy, handler);
  return {
    getType: () => type,
    getHandler: () => handler,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const guard = (selfRegistration = false): AccessGuard =>
  new AccessGuard(
    new Reflector(),
    { auth: { selfRegistration, cacheMs: 0 } } as unknown as AppConfig,
    new RegistryMetrics({ enabled: false }),
  );
const user = principalOf(new Types.ObjectId(), { scopes: ['write'] });
const reader = principalOf(new Types.ObjectId(), { scopes: ['read'] });
const admin = principalOf(new Types.ObjectId(), { admin: true });
const adminReadOnly = principalOf(new Types.ObjectId(), { admin: true, scopes: ['read'] });
const identity = { issuer: 'https://idp/', subject: 's' };

describe(AccessGuard.name, () => {
  it('lets anyone through a public route, and every Kafka handler', () => {
    expect(guard().canActivate(contextOf('public', {}))).toBe(true);
    expect(guard().canActivate(contextOf(undefined, {}, 'rpc'))).toBe(true);
  });

  it('answers 401 without a principal, telling a refused token from none', () => {
    expect(() => guard().canActivate(contextOf('read', {}))).toThrow(UnauthenticatedError);
    try {
      guard().canActivate(contextOf('read', { authFailed: true }));
    } catch (error) {
      expect(error).toMatchObject({ tokenSent: true, message: 'the bearer token is not valid' });
    }
  });

  it('holds each policy to its scope', () => {
    expect(guard().canActivate(contextOf('read', { principal: reader }))).toBe(true);
    expect(() => guard().canActivate(contextOf('write', { principal: reader }))).toThrow(ForbiddenError);
    expect(guard().canActivate(contextOf('write', { principal: user }))).toBe(true);
    expect(() => guard().canActivate(contextOf('admin', { principal: user }))).toThrow(ForbiddenError);
    expect(() => guard().canActivate(contextOf('admin', { principal: adminReadOnly }))).toThrow(ForbiddenError);
    expect(guard().canActivate(contextOf('admin', { principal: admin }))).toBe(true);
  });

  it('lets an identity without a user register only where self-registration is on', () => {
    expect(() => guard(false).canActivate(contextOf('register', { identity }))).toThrow(UnauthenticatedError);
    expect(guard(true).canActivate(contextOf('register', { identity }))).toBe(true);
    expect(() => guard(true).canActivate(contextOf('write', { identity }))).toThrow(UnauthenticatedError);
    expect(() => guard(true).canActivate(contextOf('register', { principal: user }))).toThrow(ForbiddenError);
  });

  it('refuses a route that declares no policy, and passes on a failure of authentication itself', () => {
    expect(() => guard().canActivate(contextOf(undefined, { principal: admin }))).toThrow(ForbiddenError);
    expect(() => guard().canActivate(contextOf('read', { authError: new Error('store down') }))).toThrow('store down');
  });
});
