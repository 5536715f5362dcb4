import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import { Types } from 'mongoose';
import { entityKey, parseEntityKey } from './entity-key';
import { EntityLocks, HeldLock } from '../../common/locks/entity-locks';
import { MAX_BACKGROUND_SHARE, nextDelayMs } from '../../common/scheduling/run-every';
import { RegistryMetrics } from '../../metrics/registry-metrics';
import { EventEntity } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { MarkedEvents, OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxEvent } from './event-factory';
import { WaitingEvents } from './outbox-source';
import { OutboxSources } from './outbox-sources';

const POLL_MS = 1_000;
/**
 * One instance relays at a time, on a lease as long as a lock's (LOCK_TTL_SECONDS), renewed by every
 * round once a third of it has passed: while no instance relays, no instance's events go out, so a
 * dead relay must be replaced within seconds.
 */
const LEADER_KEY = 'outbox-relay';
const SCAN_EVERY_MS = 60_000;
const MAX_BACKOFF_MS = 5_000;
/**
 * Markers read per round: the round then works through them batch by batch. Reading them sorts the
 * whole (small) collection on FerretDB, so a large backlog is taken in few reads.
 */
const MARKERS_PER_ROUND = 8_192;
/**
 * Entities read, published and cleared together: one produce request, one lock insert, one update each
 * to clear them (side by side), bulk writes of 50 for their markers. The next batch is read and published
 * while the previous one is cleared.
 */
const BATCH = 256;
/** A writer holds an entity's lock for milliseconds: an entity found busy is tried again this soon. */
const BUSY_RETRY_MS = 50;
/** A produce request stays well below the broker's default 1 MB record batch. */
const MAX_EVENTS_PER_SEND = 500;
const MAX_BYTES_PER_SEND = 512 * 1024;

/** One batch of the relay: the entities whose events go out, and the markers to remove whatever happens. */
interface Batch {
  ready: Claimed[];
  done: string[];
}

/** An entity in a batch of the relay, with what its outbox held when read. */
interface Claimed {
  key: string;
  entity: EventEntity;
  id: Types.ObjectId;
  waiting: WaitingEvents;
}

/**
 * Publishes what the Outbox holds, at least once and in order per entity, in
 * batches: read, publish outside the locks, clear under the entities' locks,
 * the next batch read and published while the last is cleared (see
 * docs/outbox.md for the batches, the lease and the crash rules).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private nextScanAt = 0;
  private backoffMs = 0;
  private draining?: Promise<void>;
  private again = false;
  private busy = false;
  private stopped = false;
  private leadership?: HeldLock;
  /**
   * The context the relay was made in (start-up): its rounds run there, not in
   * the request that woke it, whose trace and log bindings they would take over.
   */
  private readonly ownContext = new AsyncResource('OutboxRelay');

  constructor(
    private readonly publisher: EventsPublisher,
    private readonly locks: EntityLocks,
    private readonly markers: OutboxMarkersRepository,
    private readonly sources: OutboxSources,
    private readonly metrics: RegistryMetrics,
  ) {}

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
    this.timer = this.ownContext.runInAsyncScope(() => setTimeout(() => void this.tick(), delayMs));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    await this.drain();
    const delay = this.backoffMs || (this.again ? 0 : this.busy ? BUSY_RETRY_MS : POLL_MS);
    this.again = false;
    this.busy = false;
    this.schedule(delay);
  }

  private async round(): Promise<void> {
    // The previous batch's clear, running while the next batch is read and sent; settles to its error, if any.
    let clearing: Promise<Error | undefined> = Promise.resolve(undefined);
    const cleared = async (): Promise<void> => {
      const error = await clearing;
      clearing = Promise.resolve(undefined);
      if (error) throw error;
    };
    try {
      if (!(await this.lead())) return;
      if (Date.now() >= this.nextScanAt) await this.scan();
      const startedAt = Date.now();
      const markers = await this.markers.oldest(MARKERS_PER_ROUND);
      let sent = true;
      for (let i = 0; i < markers.length && sent; i += BATCH) {
        // A relay that lost its lease (stalled past it) leaves the rest to the new leader.
        if (this.stopped || !(await this.lead())) return await cleared();
        const batch = await this.claim(markers.slice(i, i + BATCH));
        sent = await this.send(batch);
        // One clear at a time: this batch's starts once the previous one's is done.
        await cleared();
        if (sent) {
          clearing = this.clear(batch).then(
            () => undefined,
            (error: unknown) => error as Error,
          );
        }
      }
      await cleared();
      if (markers.length === MARKERS_PER_ROUND) this.again = true;
      this.backoffMs = sent ? 0 : Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS);
      if (sent) this.metrics.relaySucceeded();
      if (markers.length > 0) this.logger.debug(`relayed ${markers.length} entities in ${Date.now() - startedAt} ms`);
    } catch (error) {
      await clearing; // never left running into the next round
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
    const startedAt = Date.now();
    for (const [entity, source] of this.sources.entries()) {
      const waiting = await source.entitiesWithWaitingEvents();
      await this.markers.markMissing(waiting.map(({ id, events }) => ({ key: entityKey(entity, id), events })));
    }
    // On FerretDB a scan reads whole collections: keep it to a small share of the time (docs/architecture.md#background-work).
    const tookMs = Date.now() - startedAt;
    this.nextScanAt = Date.now() + nextDelayMs(SCAN_EVERY_MS, tookMs, MAX_BACKGROUND_SHARE);
  }

  /** Reads the outboxes of one batch of marked entities; markers that name no entity (any more) are to be removed. */
  private async claim(keys: readonly string[]): Promise<Batch> {
    // A marker that names no entity this service keeps (any more) is just removed.
    const isValid = (key: string): boolean => this.sources.has(parseEntityKey(key)?.entity);
    const { found, gone } = await this.readOutboxes(keys.filter(isValid));
    return { ready: found.filter(({ waiting }) => !waiting.held), done: [...keys.filter((key) => !isValid(key)), ...gone] };
  }

  /**
   * Publishes a batch's events, outside the entities' locks: while the broker is away, writers are not
   * held up by failing sends. False when the broker did not take them: the batch stays as it was.
   */
  private async send({ ready }: Batch): Promise<boolean> {
    try {
      await this.publish(ready.flatMap(({ waiting }) => waiting.events));
      return true;
    } catch {
      return false;
    }
  }

  /** Removes exactly what was sent of a batch, and the markers of entities left with nothing, under the entities' locks. */
  private async clear({ ready, done: gone }: Batch): Promise<void> {
    const done = [...gone];
    const recount: MarkedEvents[] = [];
    // Writers hold an entity's lock for milliseconds: wait for them rather than publish their events twice.
    await this.locks.withLocks(
      ready.map(({ key }) => key),
      { purpose: 'relay', waitMs: 2_000 },
      async (held) => {
        const locked = new Set(held.map((lock) => lock.key));
        if (locked.size < ready.length) this.busy = true;
        for (const [entity, source] of this.sources.entries()) {
          const mine = ready.filter((entry) => entry.entity === entity && locked.has(entry.key));
          if (mine.length === 0) continue;
          const stillWaiting = await source.clearPublished(mine.map(({ id, waiting }) => ({ id, events: waiting.events })));
          // An entity with more events keeps its marker for the next round, counting exactly what is left.
          if (stillWaiting.size > 0) this.again = true;
          for (const { key, id } of mine) {
            const left = stillWaiting.get(id.toHexString());
            if (left === undefined) done.push(key);
            else recount.push({ key: entityKey(entity, id), events: left });
          }
        }
        await this.markers.remove(done);
        await this.markers.recount(recount);
      },
    );
  }

  /** The outboxes of the claimed entities, by source; `gone`: keys whose entity no longer exists. */
  private async readOutboxes(keys: readonly string[]): Promise<{ found: Claimed[]; gone: string[] }> {
    const found: Claimed[] = [];
    const gone: string[] = [];
    for (const [entity, source] of this.sources.entries()) {
      const mine = keys.map((key) => ({ key, parsed: parseEntityKey(key) })).filter(({ parsed }) => parsed?.entity === entity);
      if (mine.length === 0) continue;
      const waiting = await source.waitingEvents(mine.map(({ parsed }) => (parsed as { id: Types.ObjectId }).id));
      for (const { key, parsed } of mine) {
        const id = (parsed as { id: Types.ObjectId }).id;
        const entry = waiting.get(id.toHexString());
        if (entry) found.push({ key, entity, id, waiting: entry });
        else gone.push(key);
      }
    }
    // In the order the markers came, so the oldest work goes out first.
    const order = new Map(keys.map((key, i) => [key, i]));
    found.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
    return { found, gone };
  }

  /** Sends `events` in order, in produce requests of a bounded size, each acknowledged before the next. */
  private async publish(events: readonly OutboxEvent[]): Promise<void> {
    let chunk: OutboxEvent[] = [];
    let bytes = 0;
    for (const event of events) {
      const size = JSON.stringify(event).length;
      if (chunk.length > 0 && (chunk.length >= MAX_EVENTS_PER_SEND || bytes + size > MAX_BYTES_PER_SEND)) {
        await this.publisher.publishEvents(chunk);
        this.metrics.eventsPublished(chunk.length);
        chunk = [];
        bytes = 0;
      }
      chunk.push(event);
      bytes += size;
    }
    if (chunk.length > 0) {
      await this.publisher.publishEvents(chunk);
      this.metrics.eventsPublished(chunk.length);
    }
  }
}
