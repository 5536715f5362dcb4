import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { EVENT_TYPE_HEADER, EVENT_VERSION_HEADER, RegistryEvent } from './contract';
import { KAFKA_CLIENT } from './events.constants';

export interface OutgoingMessage {
  /** Partitioning key: all messages with one key stay in order. */
  key: string | Buffer | null;
  value: unknown;
  headers?: Record<string, string | Buffer>;
}

/** The dead-letter topic of a topic. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/**
 * Sends on the events topic through the Nest Kafka transport client.
 * ClientsModule disconnects (and so flushes) its producer on shutdown.
 */
@Injectable()
export class EventsPublisher {
  private readonly logger = new Logger(EventsPublisher.name);

  constructor(
    @Inject(KAFKA_CLIENT) private readonly client: ClientKafka,
    private readonly config: AppConfig,
  ) {}

  /** Publishes one registry event: keyed by its entity, typed and versioned in the headers. */
  async publishEvent(event: RegistryEvent): Promise<void> {
    await this.publish(this.config.kafka.topic, {
      key: event.entityId,
      value: event,
      headers: { [EVENT_TYPE_HEADER]: event.type, [EVENT_VERSION_HEADER]: String(event.version) },
    });
  }

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    try {
      await lastValueFrom(this.client.emit(topic, message), { defaultValue: undefined });
    } catch (error) {
      // ClientKafka keeps a failed first connection for good; start afresh on the next publish.
      this.logger.warn(`publish to ${topic} failed: ${(error as Error).message}`);
      await this.client.close().catch(() => undefined);
      throw error;
    }
  }
}
