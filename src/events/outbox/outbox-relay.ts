import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { EntityLocks, HeldLock } from '../../common/locks/entity-locks';
import { EventEntity, EVENT_ENTITIES } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { Outbox } from './outbox';
import { OutboxMarker } from './outbox-marker.schema';
import { OutboxSource } from './outbox-source';

const POLL_MS = 1_000;
/** One instance relays at a time; its lease is short-lived (renewed every round), so a dead relay is replaced quickly. */
const LEADER_KEY = 'outbox-relay';
const LEADER_TTL_MS = 10_000;
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
      const listedAt = Date.now();
      let failed = 0;
      for (let i = 0; i < markers.length; i += PARALLEL_ENTITIES) {
        const results = await Promise.allSettled(markers.slice(i, i + PARALLEL_ENTITIES).map((marker) => this.relay(marker._id)));
        failed += results.filter((result) => result.status === 'rejected').length;
        if (failed > 0) break; // the broker is likely down: back off rather than fail every entity
      }
      this.backoffMs = failed > 0 ? Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS) : 0;
      if (markers.length > 0) this.logger.debug(`relayed ${markers.length} entities in ${Date.now() - startedAt} ms (listing ${listedAt - startedAt} ms)`);
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
    await this.publishWaiting(source, key, new Types.ObjectId(id));
  }

  private async publishWaiting(source: OutboxSource, key: string, _id: Types.ObjectId): Promise<void> {
    const doc = await source.model.findById(_id).lean().exec();
    if (!doc) {
      await this.markers.deleteOne({ _id: key }).exec();
      return;
    }
    if (!source.isPublishable(doc)) return;
    const published = doc.outbox ?? [];
    for (const [i, event] of published.entries()) {
      await this.publisher.publishEvent(event);
      if (i % 100 === 99) await this.lead(); // a long backlog keeps the lease alive
    }

    await this.locks.withLock(key, { purpose: 'relay' }, async () => {
      const current = await source.model.findById(_id).lean().exec();
      const publishedIds = new Set(published.map((event) => event.id));
      const left = (current?.outbox ?? []).filter((event) => !publishedIds.has(event.id));
      if (current && left.length > 0) {
        // More was written while we were publishing: keep it (and the marker) for the next round.
        if (left.length < (current.outbox ?? []).length) {
          await source.model.updateOne({ _id }, { $set: { outbox: left } }, { timestamps: false }).exec();
        }
        this.again = true;
        return;
      }
      if (current && source.isDeleted(current)) await source.model.deleteOne({ _id }).exec();
      else if (current && published.length > 0) await source.model.updateOne({ _id }, { $set: { outbox: [] } }, { timestamps: false }).exec();
      await this.markers.deleteOne({ _id: key }).exec();
    });
  }
}
