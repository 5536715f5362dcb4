import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { RoutePolicies } from './route-policies';

/**
 * The access kernel: Principal, @Access, AccessGuard (global) and the boot-time check (RoutePolicies).
 * Why it sits low: docs/architecture.md#the-layers-and-the-ports.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [AccessGuard, RoutePolicies],
  exports: [AccessGuard, RoutePolicies],
})
export class AccessModule {}
