import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { UsersStoreModule } from '../users/users-store.module';
import { UsersModule } from '../users/users.module';
import { AuthenticationMiddleware } from './authentication.middleware';
import { Authenticator } from './authenticator';
import { BootstrapAdmin } from './bootstrap-admin';
import { OidcVerifier } from './oidc-verifier';

/**
 * Authentication: who the caller is (API tokens, OIDC JWTs), set on each
 * request for the access kernel (src/access) to check, and the first admin.
 * It builds on users and tokens; they use only the kernel.
 */
@Module({
  imports: [TokensModule, UsersStoreModule, UsersModule],
  providers: [Authenticator, OidcVerifier, AuthenticationMiddleware, BootstrapAdmin],
})
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AuthenticationMiddleware).forRoutes('{*path}');
  }
}
