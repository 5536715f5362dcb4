import { Inject, Injectable } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { KAFKA_CLIENT } from './events.constants';

export interface OutgoingMessage {
  /** Partitioning key: all messages with one key stay in order. */
  key: string;
  value: unknown;
  headers?: Record<string, string>;
}

/**
 * Publishes on the events topic through the Nest Kafka transport client.
 * ClientsModule disconnects (and so flushes) its producer on shutdown.
 */
@Injectable()
export class EventsPublisher {
  constructor(
    @Inject(KAFKA_CLIENT) private readonly client: ClientKafka,
    private readonly config: AppConfig,
  ) {}

  async publish(message: OutgoingMessage): Promise<void> {
    await lastValueFrom(this.client.emit(this.config.kafka.topic, message), { defaultValue: undefined });
  }
}
