import { DynamicModule, Global, Module } from '@nestjs/common';
import { MetricsOptions, RegistryMetrics } from './registry-metrics';

/**
 * The service's Prometheus metrics: one RegistryMetrics per application,
 * global so that any module records what happens with one call, and imports
 * nothing of the application (every folder may depend on it, it on none).
 * GET /metrics is served by HealthModule, beside the probes.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsOptions): DynamicModule {
    return {
      module: MetricsModule,
      providers: [{ provide: RegistryMetrics, useValue: new RegistryMetrics(options) }],
      exports: [RegistryMetrics],
    };
  }
}
