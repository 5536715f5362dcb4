import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { JoinedWrites } from '../common/async/joined-writes';
import { AppConfig } from '../config/app-config';
import { RegistryMetrics } from '../metrics/registry-metrics';
import { MessageTrace } from '../telemetry/trace-context';
import { AuditLog, MessagePosition, parseEvent } from './audit-log/audit-log';
import { BATCH_HANDLER, ConsumedBatch, ConsumedMessage } from './batch-server-kafka';
import { RegistryEvent } from './contract';
import { EVENTS_TOPIC } from './events.constants';
import { deadLetterTopic, EventsPublisher } from './events.publisher';

/** Attempts at storing one message before it goes to the dead-letter topic. */
export const MAX_ATTEMPTS = 4;
const RETRY_DELAY_MS = 250;

interface Parsed {
  message: ConsumedMessage;
  position: MessagePosition;
  event: RegistryEvent;
  trace: MessageTrace;
}

/**
 * Every event on `msg_collection` into the audit log, once, a batch per write; a message that cannot be
 * parsed or stored goes to `<topic>.dlq`, never thrown. Why: docs/events.md#consuming-the-audit-log-dead-letters-live-feed.
 */
@Controller()
export class EventsConsumer {
  private readonly logger = new Logger(EventsConsumer.name);
  /** The batches of the partitions handled side by side, stored together: one bulk write per fetch, not per partition. */
  private readonly writes: JoinedWrites<Parsed>;

  constructor(
    private readonly auditLog: AuditLog,
    private readonly publisher: EventsPublisher,
    private readonly config: AppConfig,
    private readonly metrics: RegistryMetrics,
  ) {
    this.writes = new JoinedWrites((items) => this.auditLog.recordMany(items));
  }

  /** Each message is handled in its own span, continuing the trace in its headers (see MessageTrace). */
  @EventPattern(EVENTS_TOPIC, BATCH_HANDLER)
  async onEvents(@Payload() batch: ConsumedBatch): Promise<void> {
    let pending: Parsed[] = [];
    for (const message of batch.messages) {
      const position = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const trace = MessageTrace.start(batch.topic, this.config.kafka.groupId, message.headers, position);
      try {
        pending.push({ message, position, event: await parseEvent(message.value), trace });
      } catch (error) {
        // The same bytes will never parse: no retry.
        await trace.run(() => this.deadLetter(message, position, error as Error, 1)).finally(() => trace.end(error));
      }
    }
    let errors = new Map<Parsed, Error>();
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && pending.length > 0; attempt++) {
      errors = await this.store(pending);
      this.metrics.messageHandled(pending.length - errors.size);
      for (const item of pending) if (!errors.has(item)) item.trace.end();
      pending = pending.filter((item) => errors.has(item));
      for (const item of pending) {
        item.trace.run(() => this.logger.warn(`event at ${where(item.position)}: attempt ${attempt} failed: ${errors.get(item)?.message}`));
      }
      if (pending.length > 0 && attempt < MAX_ATTEMPTS) {
        this.metrics.messageRetried(pending.length);
        await sleep(RETRY_DELAY_MS * 2 ** (attempt - 1));
      }
    }
    for (const item of pending) {
      const error = errors.get(item) as Error;
      await item.trace.run(() => this.deadLetter(item.message, item.position, error, MAX_ATTEMPTS)).finally(() => item.trace.end(error));
    }
  }

  /** One bulk write for `items` (and those of the batches handled beside); the ones not stored, with why (all of them when the write failed as a whole). */
  private async store(items: Parsed[]): Promise<Map<Parsed, Error>> {
    try {
      const failed = await this.writes.store(items);
      return new Map([...failed].map(([i, error]) => [items[i], error]));
    } catch (error) {
      return new Map(items.map((item) => [item, error as Error]));
    }
  }

  private async deadLetter(message: ConsumedMessage, position: MessagePosition, error: Error, attempts: number): Promise<void> {
    this.logger.error(`dead-lettering ${where(position)}: ${error.message}`);
    this.metrics.messageDeadLettered(attempts === 1 ? 'invalid' : 'failed'); // only bytes that never parse get one attempt
    // If even this fails, the error propagates and Kafka redelivers the batch: nothing is lost.
    await this.publisher.publish(deadLetterTopic(this.config.kafka.topic), {
      key: message.key ?? null,
      value: Buffer.isBuffer(message.value) ? message.value : JSON.stringify(message.value),
      headers: {
        ...stringHeaders(message.headers),
        'dlq-error': error.message.slice(0, 1000),
        'dlq-attempts': String(attempts),
        'dlq-original-topic': position.topic,
        'dlq-original-partition': String(position.partition),
        'dlq-original-offset': position.offset,
        'dlq-failed-at': new Date().toISOString(),
      },
    });
  }
}

function where(position: MessagePosition): string {
  return `${position.topic}/${position.partition}@${position.offset}`;
}

function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string | Buffer> {
  const result: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string' || Buffer.isBuffer(value)) result[name] = value;
  }
  return result;
}
