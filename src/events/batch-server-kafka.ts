import { Logger } from '@nestjs/common';
import { KafkaContext, ServerKafka } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage, Producer } from '@nestjs/microservices/external/kafka.interface';

/**
 * The extras of an event handler that takes a whole fetched batch of one
 * partition at once: `@EventPattern(topic, BATCH_HANDLER)`, its payload a
 * ConsumedBatch. Other handlers get one message at a time, as with Nest's
 * own Kafka server.
 */
export const BATCH_HANDLER = { batch: true } as const;

export interface ConsumedMessage {
  /** The value as the transport's deserializer gives it (bytes, with `keepBinary`). */
  value: unknown;
  key: Buffer | null;
  headers: IHeaders;
  offset: string;
}

/** What a batch handler receives: one partition's messages, in order. */
export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

/**
 * Runs `commit` whenever asked, one at a time: asks that come while one runs are served by one more run
 * after it, which commits everything resolved by then.
 */
export class CoalescedCommits {
  private asked = false;
  private running?: Promise<void>;

  constructor(private readonly commit: () => Promise<void>) {}

  /** Settles once a run that started after this ask has ended. */
  ask(): Promise<void> {
    this.asked = true;
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.asked) {
      this.asked = false;
      await this.commit();
    }
  }
}

/**
 * Nest's Kafka server fed by kafkajs' `eachBatch`: a BATCH_HANDLER handler gets each fetched batch in one
 * call, its offsets committed when it returns — beside the fetch loop rather than in it (kafkajs' own
 * auto-commit sends one commit per partition's batch and fetches again only once they are answered).
 * See docs/events.md#consuming-the-audit-log-dead-letters-live-feed.
 */
export class BatchServerKafka extends ServerKafka {
  private readonly commitLogger = new Logger(BatchServerKafka.name);
  /** Commits the offsets resolved so far, through the latest batch's consumer group (a restart makes a new one). */
  private commitResolved: () => Promise<void> = () => Promise.resolve();
  private readonly commits = new CoalescedCommits(() => this.commitResolved());

  override async bindEvents(consumer: Consumer): Promise<void> {
    const topics = [...this.messageHandlers.keys()];
    if (topics.length > 0) await consumer.subscribe({ ...(this.options.subscribe ?? {}), topics });
    await consumer.run({
      ...this.options.run,
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const handler = this.getHandlerByPattern(batch.topic);
    if ((handler?.extras as { batch?: boolean } | undefined)?.batch) {
      const raws = batch.messages.map(
        (message) => this.parser?.parse<KafkaMessage>({ ...message, topic: batch.topic, partition: batch.partition }) ?? message,
      );
      const messages: ConsumedMessage[] = [];
      for (const raw of raws) {
        const packet = await this.deserializer.deserialize(raw, { channel: batch.topic });
        messages.push({ value: packet.data, key: raw.key, headers: raw.headers ?? {}, offset: raw.offset });
      }
      const heartbeat = (): Promise<void> => payload.heartbeat();
      const context = new KafkaContext([
        raws[raws.length - 1],
        batch.partition,
        batch.topic,
        this.consumer as Consumer,
        heartbeat,
        this.producer as Producer,
      ]);
      const data: ConsumedBatch = { topic: batch.topic, partition: batch.partition, messages };
      await this.handleEvent(batch.topic, { pattern: batch.topic, data }, context);
      payload.resolveOffset(batch.lastOffset());
    } else {
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        await this.handleMessage({
          topic: batch.topic,
          partition: batch.partition,
          message,
          heartbeat: () => payload.heartbeat(),
          pause: () => payload.pause(),
        });
        payload.resolveOffset(message.offset);
        await payload.heartbeat();
      }
    }
    this.commitResolved = () => payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
    const committed = this.commits.ask().catch((error: Error) => {
      // The next commit takes these offsets too; were there none, they are read again, and storing is idempotent.
      this.commitLogger.warn(`committing offsets failed: ${error.message}`);
    });
    // Stopping: kafkajs leaves the group once this batch returns, so its offsets must be in before.
    if (!payload.isRunning()) await committed;
  }
}
