import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { AnyBulkWriteOperation, Model, Types } from 'mongoose';
import { EntityLocks, HeldLock } from '../../common/locks/entity-locks';
import { EventEntity, EVENT_ENTITIES } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { Outbox } from './outbox';
import { OutboxMarker } from './outbox-marker.schema';
import { OutboxFields, OutboxSource } from './outbox-source';

const POLL_MS = 1_000;
/** One instance relays at a time; its lease is short-lived (renewed every round), so a dead relay is replaced quickly. */
const LEADER_KEY = 'outbox-relay';
const LEADER_TTL_MS = 10_000;
const SCAN_EVERY_MS = 60_000;
const MAX_BACKOFF_MS = 5_000;
/** Entities whose events are published side by side; one entity's events always go one by one. */
const PARALLEL_ENTITIES = 8;
/** Entities whose published events are cleared together: one lock insert, one bulk write, one marker delete. */
const CLEANUP_BATCH = 64;

/** Events of one entity that went out and are to be cleared from its outbox. */
interface Published {
  key: string;
  source: OutboxSource;
  _id: Types.ObjectId;
  eventIds: Set<string>;
}

/**
 * Publishes what the Outbox holds, at least once and in order per entity.
 *
 * For each entity with waiting events: read its events, publish them one
 * after another (each send is acknowledged before the next), then — under the
 * entity's lock, so no write interleaves — remove exactly the published ones,
 * and delete the document if it is a tombstone with nothing left to say. The
 * clearing goes in batches of entities (one lock insert, one bulk write, one
 * marker delete for all of them): the store's round trips bound the relay.
 * While the broker is down sends fail, the relay backs off and tries again;
 * writes are never held up by it. Of several instances one relays at a time,
 * holding a short lease renewed every round (if it dies mid-way, the next one
 * repeats some events: consumers drop duplicates by event id).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private lastScan = 0;
  private backoffMs = 0;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  private leadership?: HeldLock;

  constructor(
    private readonly outbox: Outbox,
    private readonly publisher: EventsPublisher,
    private readonly locks: EntityLocks,
    @InjectModel(OutboxMarker.name) private readonly markers: Model<OutboxMarker>,
  ) {
    outbox.onTracked(() => this.wake());
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  /** Stops the relay after the round in flight, so no send is cut off half-way. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
    // Hand over at once rather than when the lease runs out.
    if (this.leadership) await this.locks.release(this.leadership).catch(() => undefined);
  }

  /** New events were written: publish soon (unless backing off from a broker outage). */
  wake(): void {
    if (this.draining) this.again = true;
    else if (this.backoffMs === 0) this.schedule(0);
  }

  /** One round: everything marked, in order per entity. Resolves when done; never rejects. */
  async drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.round().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    await this.drain();
    if (this.again) {
      this.again = false;
      this.schedule(this.backoffMs);
    } else {
      this.schedule(this.backoffMs || POLL_MS);
    }
  }

  private async round(): Promise<void> {
    try {
      if (!(await this.lead())) return;
      if (Date.now() - this.lastScan > SCAN_EVERY_MS) await this.scan();
      const startedAt = Date.now();
      const markers = await this.markers.find({}, { _id: 1 }).sort({ since: 1 }).limit(1000).lean().exec();
      let failed = 0;
      for (let i = 0; i < markers.length && failed === 0; i += CLEANUP_BATCH) {
        const published: Published[] = [];
        const keys = markers.slice(i, i + CLEANUP_BATCH).map((marker) => marker._id);
        await inParallel(keys, PARALLEL_ENTITIES, async (key) => {
          if (failed > 0) return;
          try {
            const done = await this.publishWaiting(key);
            if (done) published.push(done);
          } catch {
            failed++; // the broker is likely down: finish this batch, then back off rather than fail every entity
          }
        });
        await this.clearPublished(published);
        await this.lead(); // a long backlog keeps the lease alive
      }
      this.backoffMs = failed > 0 ? Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS) : 0;
      if (markers.length > 0) this.logger.debug(`relayed ${markers.length} entities in ${Date.now() - startedAt} ms`);
    } catch (error) {
      this.logger.warn(`outbox round failed: ${(error as Error).message}`);
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS);
    }
  }

  /** Takes or renews the relay lease; false while another instance holds it. */
  private async lead(): Promise<boolean> {
    if (this.leadership && this.leadership.expiresAt.getTime() - Date.now() > LEADER_TTL_MS / 2) return true;
    if (this.leadership) {
      try {
        await this.locks.extend(this.leadership, LEADER_TTL_MS);
        return true;
      } catch {
        this.leadership = undefined;
      }
    }
    this.leadership = (await this.locks.tryAcquire(LEADER_KEY, { purpose: 'relay', ttlMs: LEADER_TTL_MS })) ?? undefined;
    return this.leadership !== undefined;
  }

  /** Finds events whose marker was lost (a crash between the write and the marker). */
  private async scan(): Promise<void> {
    this.lastScan = Date.now();
    for (const source of this.outbox.registeredSources()) {
      const waiting = await source.model
        .find({ 'outbox.0': { $exists: true } }, { _id: 1 })
        .lean()
        .exec();
      await this.outbox.mark(waiting.map(({ _id }) => `${source.entity}:${_id.toHexString()}`));
    }
  }

  /**
   * Publishes one entity's waiting events, one after another (each send is
   * acknowledged before the next). Rejects when a send fails (the marker stays).
   */
  private async publishWaiting(key: string): Promise<Published | undefined> {
    const [entity, id] = key.split(':') as [EventEntity, string];
    const source = EVENT_ENTITIES.includes(entity) && Types.ObjectId.isValid(id) ? this.outbox.source(entity) : undefined;
    const _id = source ? new Types.ObjectId(id) : undefined;
    const doc = source && _id ? await source.model.findById(_id).lean().exec() : null;
    if (!source || !_id || !doc) {
      await this.markers.deleteOne({ _id: key }).exec();
      return undefined;
    }
    if (!source.isPublishable(doc)) return undefined;
    const events = doc.outbox ?? [];
    for (const event of events) await this.publisher.publishEvent(event);
    return { key, source, _id, eventIds: new Set(events.map((event) => event.id)) };
  }

  /**
   * Removes exactly the published events from their outboxes — under the
   * entities' locks, so no write interleaves — deletes tombstones with nothing
   * left to say, and the markers of entities with nothing left to publish.
   * An entity whose lock a writer keeps for long is left for the next round.
   */
  private async clearPublished(published: readonly Published[]): Promise<void> {
    // Writers hold an entity's lock for milliseconds: wait for them rather than publish their events twice.
    const held = await this.locks.acquireMany(
      published.map(({ key }) => key),
      { purpose: 'relay', waitMs: 2_000 },
    );
    try {
      const locked = new Set(held.map((lock) => lock.key));
      if (locked.size < published.length) this.again = true;
      const writes = new Map<OutboxSource, AnyBulkWriteOperation<OutboxFields>[]>();
      const done: string[] = [];
      await inParallel(
        published.filter(({ key }) => locked.has(key)),
        PARALLEL_ENTITIES,
        async ({ key, source, _id, eventIds }) => {
          const current = await source.model.findById(_id).lean().exec();
          const outbox = current?.outbox ?? [];
          const left = outbox.filter((event) => !eventIds.has(event.id));
          const write = (operation: AnyBulkWriteOperation<OutboxFields>): void => {
            writes.set(source, [...(writes.get(source) ?? []), operation]);
          };
          if (current && left.length > 0) {
            // More was written while we were publishing: keep it (and the marker) for the next round.
            if (left.length < outbox.length)
              write({ updateOne: { filter: { _id }, update: { $set: { outbox: left } }, timestamps: false } });
            this.again = true;
            return;
          }
          if (current && source.isDeleted(current)) write({ deleteOne: { filter: { _id } } });
          else if (current && outbox.length > 0)
            write({ updateOne: { filter: { _id }, update: { $set: { outbox: [] } }, timestamps: false } });
          done.push(key);
        },
      );
      for (const [source, operations] of writes) await source.model.bulkWrite(operations, { ordered: false });
      if (done.length > 0) await this.markers.deleteMany({ _id: { $in: done } }).exec();
    } finally {
      await this.locks.releaseMany(held);
    }
  }
}

/** Runs `work` on every item, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
