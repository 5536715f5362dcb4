import { Inject, Injectable, Logger } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { lastValueFrom, Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { EVENT_TYPE_HEADER, EVENT_VERSION_HEADER, RegistryEvent } from './contract';
import { PublishSpans } from '../telemetry/trace-context';
import { KAFKA_CLIENT } from './events.constants';
import type { OutboxEvent } from './outbox/event-factory';

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

  /**
   * Publishes registry events in one produce request (the transport client's
   * emitBatch), in the given order: one entity's events land on one
   * partition in that order, as if sent one by one, at one round trip for all.
   * Each message gets a producer span continuing the trace of the request
   * that made its change (the event's origin), carried in its headers.
   */
  async publishEvents(events: readonly OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    const topic = this.config.kafka.topic;
    const spans = new PublishSpans(topic);
    const messages = events.map((event) => toMessage(event, spans));
    try {
      await this.send(topic, () => this.client.emitBatch(topic, { messages }));
    } catch (error) {
      spans.end(error);
      throw error;
    }
    spans.end();
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

/** The message of one event: the envelope alone as its value; the origin goes in the headers. */
export function toMessage({ origin, ...event }: OutboxEvent, spans: PublishSpans): OutgoingMessage {
  return {
    key: event.entityId,
    value: event satisfies RegistryEvent,
    headers: {
      ...spans.headersFor(origin, event.entityId),
      [EVENT_TYPE_HEADER]: event.type,
      [EVENT_VERSION_HEADER]: String(event.version),
    },
  };
}
