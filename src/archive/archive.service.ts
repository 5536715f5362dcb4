import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, logLevel } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { RegistryMetrics } from '../metrics/registry-metrics';
import { MessageTrace } from '../telemetry/trace-context';
import { consumerClientConfig, consumerGroupSettings } from '../events/kafka.transport';
import { hourOf, objectKey, objectStartPrefix, parseObjectKey } from './archive-keys';
import { encodeObject, toArchiveRecord } from './archive-record';
import { ObjectStore } from './object-store';
import { Chunk, PartitionBuffer } from './partition-buffer';

const MAX_RETRY_DELAY_MS = 30_000;
const SHUTDOWN_FLUSH_MS = 5000;

interface PartitionState {
  buffer: PartitionBuffer;
  /** Appends and stores of one partition run one at a time, in order. */
  lock: Promise<unknown>;
  /** The next offset to archive, as last committed by this process. */
  committed?: number;
}

export interface ArchiveStatus {
  state: 'up' | 'down' | 'off';
  storage: string;
  groupId: string;
  /** Read but not yet stored (they are in Kafka until committed). */
  pendingEvents: number;
  storedObjects: number;
  storedEvents: number;
  lastStoredKey?: string;
  lastStoredAt?: string;
  /** While the storage fails: what it said (no secrets: the SDK's error message). */
  lastError?: string;
}

/**
 * Every message of the topic to object storage, each in exactly one object; a partition's offset is
 * committed only after its object is stored. Guarantees: docs/archive.md#guarantees.
 */
@Injectable()
export class ArchiveService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ArchiveService.name);
  private readonly partitions = new Map<number, PartitionState>();
  private consumer?: Consumer;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private storageDown = false;
  private starting?: Promise<void>;
  private retryDelayMs = 1000;
  private readonly stats: {
    storedObjects: number;
    storedEvents: number;
    lastStoredKey?: string;
    lastStoredAt?: string;
    lastError?: string;
  } = {
    storedObjects: 0,
    storedEvents: 0,
  };

  constructor(
    private readonly config: AppConfig,
    private readonly store: ObjectStore,
    private readonly metrics: RegistryMetrics,
  ) {}

  get enabled(): boolean {
    return this.config.archive.enabled;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    // In the background, like the audit consumer: joining a group can take a session timeout or more
    // (a dead member's), and the instance serves HTTP meanwhile; the offsets it resumes from are committed.
    this.starting = this.start().catch((error: unknown) => {
      this.stats.lastError = `could not start archiving: ${(error as Error).message}`;
      this.logger.error(this.stats.lastError);
    });
  }

  private async start(): Promise<void> {
    const { topic } = this.config.kafka;
    const kafka = new Kafka({
      ...consumerClientConfig(this.config),
      clientId: `${this.config.kafka.clientId}-archive`,
      logLevel: logLevel.ERROR,
    });
    const consumer = kafka.consumer({
      groupId: this.config.archive.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1000,
      ...consumerGroupSettings(this.config),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.keepOnly(payload.memberAssignment[topic] ?? []));
    await consumer.connect();
    // Everything the topic still holds: the archive outlives its retention.
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    if (this.stopping) return;
    this.schedule(this.tickMs());
    this.logger.log(`archiving ${topic} (group ${this.config.archive.groupId}) to ${this.store.description}`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.consumer) return;
    this.stopping = true;
    clearTimeout(this.timer);
    // Store what is read, briefly; what is not stored is read again by the next run.
    if (!this.storageDown) {
      for (const state of this.partitions.values()) state.buffer.sealIfDue(Date.now(), true);
      await Promise.race([
        this.flushAll().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref()),
      ]);
    }
    await this.consumer.disconnect().catch(() => undefined);
    // A join still under way ends with the disconnect.
    await this.starting;
    this.consumer = undefined;
  }

  status(): ArchiveStatus {
    let pendingEvents = 0;
    for (const state of this.partitions.values()) pendingEvents += state.buffer.pendingEvents;
    return {
      state: !this.enabled ? 'off' : this.storageDown ? 'down' : 'up',
      storage: this.store.description,
      groupId: this.config.archive.groupId,
      pendingEvents,
      ...this.stats,
    };
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const state = this.partition(batch.partition);
    await this.locked(state, () => {
      const now = Date.now();
      for (const message of batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        // Its span covers taking it into the buffer; the object's write is shared by many traces.
        const trace = MessageTrace.start(batch.topic, this.config.archive.groupId, message.headers ?? {}, {
          partition: batch.partition,
          offset: message.offset,
        });
        const record = toArchiveRecord(batch.topic, batch.partition, message);
        state.buffer.append(
          {
            offset: Number(message.offset),
            hour: hourOf(record.timestamp),
            timestamp: record.timestamp,
            line: `${JSON.stringify(record)}\n`,
          },
          now,
        );
        trace.end();
        // Moves only this consumer's fetch position; the group's offset moves when the object is stored.
        payload.resolveOffset(message.offset);
      }
    });
    if (!this.storageDown) await this.flush(batch.partition, state).catch((error: unknown) => this.storageFailed(error));
    await payload.heartbeat();
  }

  /** Seals chunks that are old enough and stores what is sealed; while the storage is down, retries with backoff. */
  private async tick(): Promise<void> {
    const now = Date.now();
    for (const state of this.partitions.values()) state.buffer.sealIfDue(now);
    try {
      // Resume only on a storage that answers, even when nothing is waiting to be stored.
      if (this.storageDown) await this.store.ping(5000);
      await this.flushAll();
      if (this.storageDown) {
        this.storageDown = false;
        this.retryDelayMs = 1000;
        this.stats.lastError = undefined;
        this.consumer?.resume([{ topic: this.config.kafka.topic }]);
        this.logger.log(`storage ${this.store.description} is back: archiving resumed`);
      }
    } catch (error) {
      this.storageFailed(error);
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, MAX_RETRY_DELAY_MS);
    }
    this.schedule(this.storageDown ? this.retryDelayMs : this.tickMs());
  }

  private async flushAll(): Promise<void> {
    for (const [partition, state] of [...this.partitions]) await this.flush(partition, state);
  }

  private flush(partition: number, state: PartitionState): Promise<void> {
    return this.locked(state, async () => {
      for (let chunk = state.buffer.nextChunk(); chunk; chunk = state.buffer.nextChunk()) await this.storeChunk(partition, state, chunk);
    });
  }

  private async storeChunk(partition: number, state: PartitionState, chunk: Chunk): Promise<void> {
    const { topic } = this.config.kafka;
    const { prefix } = this.config.archive;
    const first = chunk.lines[0];
    const last = chunk.lines[chunk.lines.length - 1];
    await this.store.ensureBucket();
    // An object starting here means an earlier run stored these messages and died before committing.
    for await (const existing of this.store.list(objectStartPrefix(prefix, topic, first.hour, partition, first.offset))) {
      const parts = parseObjectKey(existing.key);
      if (!parts) continue;
      this.logger.warn(`${existing.key} was stored before the offset was committed: skipping offsets ${first.offset}-${parts.lastOffset}`);
      state.buffer.storedElsewhere(parts.lastOffset);
      await this.commit(partition, state, parts.lastOffset + 1);
      return;
    }
    const key = objectKey(prefix, { topic, partition, firstOffset: first.offset, lastOffset: last.offset, hour: first.hour });
    this.logger.debug(`storing ${key} (${chunk.lines.length} events)`);
    const body = await encodeObject(chunk.lines.map((line) => line.line));
    await this.store.put(key, body, 'application/gzip');
    this.metrics.objectArchived(body.length);
    state.buffer.stored(chunk);
    Object.assign(this.stats, {
      storedObjects: this.stats.storedObjects + 1,
      storedEvents: this.stats.storedEvents + chunk.lines.length,
      lastStoredKey: key,
      lastStoredAt: new Date().toISOString(),
    });
    this.logger.log(`stored ${key} (${chunk.lines.length} events)`);
    await this.commit(partition, state, last.offset + 1);
  }

  private async commit(partition: number, state: PartitionState, next: number): Promise<void> {
    try {
      await this.consumer?.commitOffsets([{ topic: this.config.kafka.topic, partition, offset: String(next) }]);
      state.committed = next;
    } catch (error) {
      // A rebalance took the partition: its next owner resumes at the last commit and finds this object.
      this.logger.warn(`partition ${partition}: committing offset ${next} failed: ${(error as Error).message}`);
    }
  }

  private storageFailed(error: unknown): void {
    const message = (error as Error).message || (error as Error).name || String(error);
    this.metrics.archiveStorageFailed();
    this.stats.lastError = message;
    if (this.storageDown) {
      this.logger.warn(`storage ${this.store.description} still failing (${message}); next try in ${this.retryDelayMs / 1000} s`);
      return;
    }
    this.storageDown = true;
    this.consumer?.pause([{ topic: this.config.kafka.topic }]);
    this.logger.error(`storage ${this.store.description} failed (${message}): archiving paused, retrying`);
  }

  /** After a rebalance: partitions this member no longer owns are read again by their new owner. */
  private keepOnly(assigned: readonly number[]): void {
    for (const partition of [...this.partitions.keys()]) if (!assigned.includes(partition)) this.partitions.delete(partition);
  }

  private partition(partition: number): PartitionState {
    let state = this.partitions.get(partition);
    if (!state) {
      state = { buffer: new PartitionBuffer(this.config.archive), lock: Promise.resolve() };
      this.partitions.set(partition, state);
    }
    return state;
  }

  private locked<T>(state: PartitionState, work: () => T | Promise<T>): Promise<T> {
    const result = state.lock.then(work);
    state.lock = result.catch(() => undefined);
    return result;
  }

  private tickMs(): number {
    return Math.min(1000, Math.max(100, this.config.archive.maxAgeMs / 4));
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }
}
