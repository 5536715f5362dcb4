import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ArchiveModule } from '../archive/archive.module';
import { EventsModule } from '../events/events.module';
import { ArchiveHealthIndicator } from './archive.health';
import { ConsumerHealthIndicator } from './consumer.health';
import { HealthController } from './health.controller';
import { HealthKafkaAdmin } from './kafka-admin';
import { KafkaHealthIndicator } from './kafka.health';
import { LagMetrics } from './lag-metrics';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ArchiveModule, EventsModule],
  controllers: [HealthController, MetricsController],
  providers: [HealthKafkaAdmin, KafkaHealthIndicator, ArchiveHealthIndicator, ConsumerHealthIndicator, LagMetrics],
})
export class HealthModule {}
