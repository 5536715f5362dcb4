import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { kafkaClientConfig } from '../events/kafka.transport';

export const HEALTH_TIMEOUT_MS = 3000;

/** One quiet admin connection for the health checks, made on first use and made afresh after a failure. */
@Injectable()
export class HealthKafkaAdmin implements OnApplicationShutdown {
  private admin?: Admin;
  private connecting?: Promise<Admin>;
  /** Checks take turns: kafkajs' admin races itself on metadata when a fresh connection is shared. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly config: AppConfig) {}

  /** Runs `work` on the connection, after the checks before it, within the health timeout; a failure drops the connection. */
  use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const result = this.turn.then(() => this.run(work));
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async run<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await withTimeout(
        this.connected().then((admin) => work(admin)),
        HEALTH_TIMEOUT_MS,
      );
    } catch (error) {
      // Start afresh next time rather than reuse a half-broken connection.
      await this.disconnect();
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.disconnect();
  }

  private connected(): Promise<Admin> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  private async connect(): Promise<Admin> {
    const admin = new Kafka({
      ...kafkaClientConfig(this.config),
      clientId: `${this.config.kafka.clientId}-health`,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: HEALTH_TIMEOUT_MS,
      retry: { retries: 0 },
    }).admin();
    this.admin = admin;
    await admin.connect();
    return admin;
  }

  private async disconnect(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.connecting = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
