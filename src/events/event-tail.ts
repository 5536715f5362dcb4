import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Consumer, Kafka, logLevel } from 'kafkajs';
import { Observable, Subject, share } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { parseEvent } from './audit-log/audit-log';
import { RegistryEvent } from './contract';
import { kafkaClientConfig } from './kafka.transport';

/** How long the tail keeps consuming after its last subscriber left. */
const IDLE_STOP_MS = 30_000;

/**
 * A live view of the topic for Server-Sent Events. Each instance runs its own
 * consumer in a group of its own (the audit-log consumer shares its group with
 * the other instances and so sees only some partitions), started with the
 * first subscriber and stopped when nobody has listened for a while. It reads
 * from "now": the audit log (GET /events) has the past.
 */
@Injectable()
export class EventTail implements OnApplicationShutdown {
  private readonly logger = new Logger(EventTail.name);
  private readonly events = new Subject<RegistryEvent>();
  private consumer?: Consumer;
  private ready?: Promise<void>;
  private subscribers = 0;
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly config: AppConfig) {}

  /** Live events from the moment the consumer has joined; `ready` resolves then. */
  follow(): { events: Observable<RegistryEvent>; ready: Promise<void>; release: () => void } {
    this.subscribers++;
    clearTimeout(this.idleTimer);
    this.ready ??= this.start();
    let released = false;
    return {
      events: this.events.pipe(share()),
      ready: this.ready,
      release: () => {
        if (released) return;
        released = true;
        if (--this.subscribers === 0) {
          this.idleTimer = setTimeout(() => void this.stop(), IDLE_STOP_MS);
          this.idleTimer.unref();
        }
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.stop();
    this.events.complete();
  }

  private async start(): Promise<void> {
    const kafka = new Kafka({
      ...kafkaClientConfig(this.config),
      clientId: `${this.config.kafka.clientId}-tail`,
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `${this.config.kafka.groupId}-tail-${randomUUID()}`, maxWaitTimeInMs: 500 });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [this.config.kafka.topic], fromBeginning: false });
      await consumer.run({
        eachMessage: async ({ message }) => {
          try {
            this.events.next(await parseEvent(message.value));
          } catch {
            // Not an event: the audit-log consumer dead-letters it; the live view just skips it.
          }
        },
      });
      await joined;
    } catch (error) {
      this.logger.warn(`live event tail failed to start: ${(error as Error).message}`);
      await this.stop();
      throw error;
    }
  }

  private async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.ready = undefined;
    await consumer?.disconnect().catch(() => undefined);
  }
}
