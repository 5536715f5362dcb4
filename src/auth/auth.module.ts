import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TokensModule } from '../tokens/tokens.module';
import { UsersStoreModule } from '../users/users-store.module';
import { UsersModule } from '../users/users.module';
import { AccessGuard } from './access.guard';
import { AuthenticationMiddleware } from './authentication.middleware';
import { Authenticator } from './authenticator';
import { BootstrapAdmin } from './bootstrap-admin';
import { OidcVerifier } from './oidc-verifier';
import { RoutePolicies } from './route-policies';

/**
 * Authentication and the route-level half of authorization: who the caller
 * is (API tokens, OIDC JWTs), each route's declared policy enforced by
 * AccessGuard (registered globally by AppModule), the boot-time check that
 * every route has one, and the first admin. The per-resource half lives with
 * the resources (datasets' dataset-access.ts, users, tokens).
 */
@Module({
  imports: [TokensModule, UsersStoreModule, UsersModule, DiscoveryModule],
  providers: [Authenticator, OidcVerifier, AuthenticationMiddleware, AccessGuard, RoutePolicies, BootstrapAdmin],
  exports: [AccessGuard, RoutePolicies],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuthenticationMiddleware).forRoutes('{*path}');
  }
}
