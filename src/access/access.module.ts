import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { RoutePolicies } from './route-policies';

/**
 * The access kernel, low enough for every module to use: who a caller is
 * (Principal), the policy each route declares (@Access), AccessGuard enforcing
 * it (registered globally by AppModule) and the boot-time check that every
 * route has one. Who the caller is gets decided above, in AuthModule; the
 * per-resource half lives with the resources (datasets' dataset-access.ts,
 * users, tokens).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [AccessGuard, RoutePolicies],
  exports: [AccessGuard, RoutePolicies],
})
export class AccessModule {}
