import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { describeKafkaSecurity } from '../events/kafka-security';
import { HealthKafkaAdmin } from './kafka-admin';

/** Kafka is up when the cluster answers a metadata request (an open port alone is not enough). */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
    private readonly admin: HealthKafkaAdmin,
  ) {}

  async isHealthy(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const security = describeKafkaSecurity(this.config.kafka.security);
    try {
      const cluster = await this.admin.use((admin) => admin.describeCluster());
      return indicator.up({ security, brokers: cluster.brokers.length, controller: cluster.controller });
    } catch (error) {
      return indicator.down({ security, message: (error as Error).message });
    }
  }
}
