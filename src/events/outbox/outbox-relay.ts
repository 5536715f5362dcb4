import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Types } from 'mongoose';
import { inParallel } from '../../common/async/in-parallel';
import { EntityKey, entityKey, parseEntityKey } from '../../common/locks/entity-key';
import { EntityLocks, HeldLock } from '../../common/locks/entity-locks';
import { RegistryMetrics } from '../../metrics/registry-metrics';
import { EventEntity } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxSource, OutboxSourceFor } from './outbox-source';

const POLL_MS = 1_000;
/**
 * One instance relays at a time, on a lease as long as a lock's (LOCK_TTL_SECONDS), renewed by every
 * round once a third of it has passed: while no instance relays, no instance's events go out, so a
 * dead relay must be replaced within seconds.
 */
const LEADER_KEY = 'outbox-relay';
const SCAN_EVERY_MS = 60_000;
const MAX_BACKOFF_MS = 5_000;
/** Entities whose events are published side by side; one entity's events always go one by one. */
const PARALLEL_ENTITIES = 8;
/** Entities whose published events are cleared together: one lock insert, one bulk write, one marker delete. */
const CLEANUP_BATCH = 64;

/** Events of one entity that went out and are to be cleared from its outbox. */
interface Published {
  key: EntityKey;
  entity: EventEntity;
  id: Types.ObjectId;
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
export class OutboxRelay implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private lastScan = 0;
  private backoffMs = 0;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  private leadership?: HeldLock;
  private readonly sources = new Map<EventEntity, OutboxSource>();

  constructor(
    private readonly publisher: EventsPublisher,
    private readonly locks: EntityLocks,
    private readonly markers: OutboxMarkersRepository,
    private readonly discovery: DiscoveryService,
    private readonly metrics: RegistryMetrics,
  ) {}

  /** Finds the repositories decorated with @OutboxSourceFor (the outbox's sources). */
  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: OutboxSourceFor.KEY })) {
      const entity = this.discovery.getMetadataByDecorator(OutboxSourceFor, wrapper);
      if (entity && wrapper.instance) this.sources.set(entity, wrapper.instance as OutboxSource);
    }
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
      const markers = await this.markers.oldest(1000);
      let failed = 0;
      for (let i = 0; i < markers.length && failed === 0; i += CLEANUP_BATCH) {
        const published: Published[] = [];
        const keys = markers.slice(i, i + CLEANUP_BATCH);
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
      if (failed === 0) this.metrics.relaySucceeded();
      if (markers.length > 0) this.logger.debug(`relayed ${markers.length} entities in ${Date.now() - startedAt} ms`);
    } catch (error) {
      this.logger.warn(`outbox round failed: ${(error as Error).message}`);
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS);
    }
  }

  /** Takes or renews the relay lease; false while another instance holds it. */
  private async lead(): Promise<boolean> {
    const leaseMs = this.locks.leaseMs;
    if (this.leadership && this.leadership.expiresAt.getTime() - Date.now() > (leaseMs * 2) / 3) return true;
    if (this.leadership) {
      try {
        await this.locks.extend(this.leadership, leaseMs);
        // Lost meanwhile (this process stalled past the lease): another instance relays now.
        if (!this.leadership.lost) return true;
        this.leadership = undefined;
      } catch {
        this.leadership = undefined;
      }
    }
    this.leadership = (await this.locks.tryAcquire(LEADER_KEY, { purpose: 'relay', ttlMs: leaseMs })) ?? undefined;
    return this.leadership !== undefined;
  }

  /** Finds events whose marker was lost (a crash between the write and the marker). */
  private async scan(): Promise<void> {
    this.lastScan = Date.now();
    for (const [entity, source] of this.sources) {
      const waiting = await source.idsWithWaitingEvents();
      await this.markers.mark(waiting.map((id) => entityKey(entity, id)));
    }
  }

  /**
   * Publishes one entity's waiting events, one after another (each send is
   * acknowledged before the next). Rejects when a send fails (the marker stays).
   */
  private async publishWaiting(key: string): Promise<Published | undefined> {
    const entity = parseEntityKey(key);
    const waiting = entity ? await this.sources.get(entity.entity)?.waitingEvents(entity.id) : null;
    if (!entity || !waiting) {
      await this.markers.removeOne(key);
      return undefined;
    }
    if (waiting.held) return undefined;
    for (const event of waiting.events) {
      await this.publisher.publishEvent(event);
      this.metrics.eventsPublished();
    }
    return { key: entityKey(entity.entity, entity.id), ...entity, eventIds: new Set(waiting.events.map((event) => event.id)) };
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
      const done: string[] = [];
      for (const [entity, source] of this.sources) {
        const mine = published.filter((entry) => entry.entity === entity && locked.has(entry.key));
        if (mine.length === 0) continue;
        const stillWaiting = await source.clearPublished(mine);
        // An entity with more events keeps its marker for the next round.
        if (stillWaiting.size > 0) this.again = true;
        for (const { key, id } of mine) if (!stillWaiting.has(id.toHexString())) done.push(key);
      }
      await this.markers.remove(done);
    } finally {
      await this.locks.releaseMany(held);
    }
  }
}
