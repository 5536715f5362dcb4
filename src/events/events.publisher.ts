import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { lastValueFrom, Observable } from 'rxjs';
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
    await this.publishEvents([event]);
  }

  /**
   * Publishes registry events in one produce request (the transport client's
   * emitBatch), in the given order: one entity's events land on one
   * partition in that order, as if sent one by one, at one round trip for all.
   */
  async publishEvents(events: readonly RegistryEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.send(this.config.kafka.topic, () => this.client.emitBatch(this.config.kafka.topic, { messages: events.map(toMessage) }));
  }

  async publish(topic: string, message: OutgoingMessage): Promise<void> {
    await this.send(topic, () => this.client.emit(topic, message));
  }

  private async send(topic: string, emit: () => Observable<unknown>): Promise<void> {
    try {
      await lastValueFrom(emit(), { defaultValue: undefined });
    } catch (error) {
      // ClientKafka keeps a failed first connection for good; start afresh on the next publish.
      this.logger.warn(`publish to ${topic} failed: ${(error as Error).message}`);
      await this.client.close().catch(() => undefined);
      throw error;
    }
  }
}

function toMessage(event: RegistryEvent): OutgoingMessage {
  return {
    key: event.entityId,
    value: event,
    headers: { [EVENT_TYPE_HEADER]: event.type, [EVENT_VERSION_HEADER]: String(event.version) },
  };
}
