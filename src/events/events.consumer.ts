import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { RegistryMetrics } from '../metrics/registry-metrics';
import { AuditLog, InvalidEventError, parseEvent } from './audit/audit-log';
import { EVENTS_TOPIC } from './events.constants';
import { deadLetterTopic, EventsPublisher } from './events.publisher';

/** Attempts at handling one message before it goes to the dead-letter topic. */
export const MAX_ATTEMPTS = 4;
const RETRY_DELAY_MS = 250;

/**
 * Kafka side of the Events module: every event on `msg_collection` goes into
 * the audit log, once.
 *
 * The handler never throws. With Nest's Kafka transport a failing handler
 * leaves the offset uncommitted and the same message comes back forever, so a
 * message that cannot be handled is tried a bounded number of times and then
 * parked on `<topic>.dlq` (with the error and its original position in the
 * headers); the consumer carries on with the next one.
 */
@Controller()
export class EventsConsumer {
  private readonly logger = new Logger(EventsConsumer.name);

  constructor(
    private readonly auditLog: AuditLog,
    private readonly publisher: EventsPublisher,
    private readonly config: AppConfig,
    private readonly metrics: RegistryMetrics,
  ) {}

  @EventPattern(EVENTS_TOPIC)
  async onEvent(@Payload() value: unknown, @Ctx() context: KafkaContext): Promise<void> {
    const message = context.getMessage();
    const position = { topic: context.getTopic(), partition: context.getPartition(), offset: message.offset };
    let lastError: Error = new Error('not handled');
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        await this.auditLog.record(await parseEvent(value), position);
        this.metrics.messageHandled();
        return;
      } catch (error) {
        lastError = error as Error;
        if (error instanceof InvalidEventError) break; // the same bytes will never parse
        this.logger.warn(
          `event at ${position.topic}/${position.partition}@${position.offset}: attempt ${attempt} failed: ${lastError.message}`,
        );
        if (attempt < MAX_ATTEMPTS) {
          this.metrics.messageRetried();
          await sleep(RETRY_DELAY_MS * 2 ** (attempt - 1));
        }
      }
    }
    const attempts = lastError instanceof InvalidEventError ? 1 : MAX_ATTEMPTS;
    this.logger.error(`dead-lettering ${position.topic}/${position.partition}@${position.offset}: ${lastError.message}`);
    // If even this fails, the error propagates and Kafka redelivers the message: nothing is lost.
    await this.publisher.publish(deadLetterTopic(this.config.kafka.topic), {
      key: message.key ?? null,
      value: Buffer.isBuffer(value) ? value : JSON.stringify(value),
      headers: {
        ...stringHeaders(message.headers),
        'dlq-error': lastError.message.slice(0, 1000),
        'dlq-attempts': String(attempts),
        'dlq-original-topic': position.topic,
        'dlq-original-partition': String(position.partition),
        'dlq-original-offset': position.offset,
        'dlq-failed-at': new Date().toISOString(),
      },
    });
    this.metrics.messageDeadLettered(lastError instanceof InvalidEventError ? 'invalid' : 'failed');
  }
}

function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string | Buffer> {
  const result: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string' || Buffer.isBuffer(value)) result[name] = value;
  }
  return result;
}
