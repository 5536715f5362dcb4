import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { EntityLocks } from '../../common/locks/entity-locks';
import { EventEntity, EVENT_ENTITIES } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { Outbox } from './outbox';
import { OutboxMarker } from './outbox-marker.schema';
import { OutboxSource } from './outbox-source';

const POLL_MS = 1_000;
/** A relay lease is short-lived (renewed as events go out), so an instance that dies hands over quickly. */
const LEASE_TTL_MS = 10_000;
const SCAN_EVERY_MS = 60_000;
const MAX_BACKOFF_MS = 5_000;
/** Entities whose events are published side by side; one entity's events always go one by one. */
const PARALLEL_ENTITIES = 8;

/**
 * Publishes what the Outbox holds, at least once and in order per entity.
 *
 * For each entity with waiting events: read its events, publish them one
 * after another (each send is acknowledged before the next), then — under the
 * entity's lock, so no write interleaves — remove exactly the published ones,
 * and delete the document if it is a tombstone with nothing left to say.
 * While the broker is down sends fail, the relay backs off and tries again;
 * writes are never held up by it. A relay lease per entity keeps two
 * instances from publishing the same events at the same time (if one dies
 * mid-way, the other repeats some: consumers drop duplicates by event id).
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
      if (Date.now() - this.lastScan > SCAN_EVERY_MS) await this.scan();
      const markers = await this.markers.find({}, { _id: 1 }).sort({ since: 1 }).limit(1000).lean().exec();
      let failed = 0;
      for (let i = 0; i < markers.length; i += PARALLEL_ENTITIES) {
        const results = await Promise.allSettled(markers.slice(i, i + PARALLEL_ENTITIES).map((marker) => this.relay(marker._id)));
        failed += results.filter((result) => result.status === 'rejected').length;
        if (failed > 0) break; // the broker is likely down: back off rather than fail every entity
      }
      this.backoffMs = failed > 0 ? Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS) : 0;
    } catch (error) {
      this.logger.warn(`outbox round failed: ${(error as Error).message}`);
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS);
    }
  }

  /** Finds events whose marker was lost (a crash between the write and the marker). */
  private async scan(): Promise<void> {
    this.lastScan = Date.now();
    for (const source of this.outbox.registeredSources()) {
      const waiting = await source.model.find({ 'outbox.0': { $exists: true } }, { _id: 1 }).lean().exec();
      await this.outbox.mark(waiting.map(({ _id }) => `${source.entity}:${(_id as Types.ObjectId).toHexString()}`));
    }
  }

  /** Publishes one entity's waiting events. Rejects when a send fails (the marker stays). */
  private async relay(key: string): Promise<void> {
    const [entity, id] = key.split(':') as [EventEntity, string];
    const source = EVENT_ENTITIES.includes(entity) ? this.outbox.source(entity) : undefined;
    if (!source) {
      await this.markers.deleteOne({ _id: key }).exec();
      return;
    }
    const lease = await this.locks.tryAcquire(`relay:${key}`, { purpose: 'relay', ttlMs: LEASE_TTL_MS });
    if (!lease) return; // another instance is on it
    try {
      await this.publishWaiting(source, key, new Types.ObjectId(id), () => this.locks.extend(lease, LEASE_TTL_MS));
    } finally {
      await this.locks.release(lease);
    }
  }

  private async publishWaiting(source: OutboxSource, key: string, _id: Types.ObjectId, renewLease: () => Promise<void>): Promise<void> {
    const doc = await source.model.findById(_id).lean().exec();
    if (!doc) {
      await this.markers.deleteOne({ _id: key }).exec();
      return;
    }
    if (!source.isPublishable(doc)) return;
    const published = doc.outbox ?? [];
    for (const [i, event] of published.entries()) {
      await this.publisher.publishEvent(event);
      if (i % 100 === 99) await renewLease();
    }

    await this.locks.withLock(key, { purpose: 'relay' }, async () => {
      if (published.length > 0) {
        await source.model.updateOne({ _id }, { $pullAll: { outbox: published } }, { timestamps: false }).exec();
      }
      const after = await source.model.findById(_id).lean().exec();
      if (after && (after.outbox ?? []).length > 0) {
        this.again = true; // written while we were publishing: next round
        return;
      }
      if (after && source.isDeleted(after)) await source.model.deleteOne({ _id }).exec();
      await this.markers.deleteOne({ _id: key }).exec();
    });
  }
}
