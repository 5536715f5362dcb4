import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { describeKafkaSecurity } from '../events/kafka-security';
import { kafkaClientConfig } from '../events/kafka.transport';

const TIMEOUT_MS = 3000;

/** Kafka is up when the cluster answers a metadata request (an open port alone is not enough). */
@Injectable()
export class KafkaHealthIndicator implements OnApplicationShutdown {
  private admin?: Admin;

  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
  ) {}

  async isHealthy(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const security = describeKafkaSecurity(this.config.kafka.security);
    try {
      const cluster = await withTimeout(
        this.connectedAdmin().then((admin) => admin.describeCluster()),
        TIMEOUT_MS,
      );
      return indicator.up({ security, brokers: cluster.brokers.length, controller: cluster.controller });
    } catch (error) {
      // Start afresh next time rather than reuse a half-broken connection.
      await this.disconnect();
      return indicator.down({ security, message: (error as Error).message });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.disconnect();
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = new Kafka({
        ...kafkaClientConfig(this.config),
        clientId: `${this.config.kafka.clientId}-health`,
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1000,
        requestTimeout: TIMEOUT_MS,
        retry: { retries: 0 },
      }).admin();
      this.admin = admin;
      await admin.connect();
    }
    return this.admin;
  }

  private async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
