import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import { EntityLocks, HeldLock } from '../../common/locks/entity-locks';
import { RegistryMetrics } from '../../metrics/registry-metrics';
import { EventsPublisher } from '../events.publisher';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxEvent } from './event-factory';
import { OutboxSentRepository } from './outbox-sent.repository';
import { OutboxSources } from './outbox-sources';
import { batchesOf, planBatch, RelayPlan } from './relay-plan';
import { SentClearing } from './sent-clearing';
import { LostMarkerScans } from './lost-markers';

const POLL_MS = 1_000;
/**
 * One instance relays at a time, on a lease as long as a lock's (LOCK_TTL_SECONDS), renewed by every
 * round once a third of it has passed: while no instance relays, no instance's events go out, so a
 * dead relay must be replaced within seconds.
 */
const LEADER_KEY = 'outbox-relay';
const MAX_BACKOFF_MS = 5_000;
/**
 * Markers read per round: the round then works through them batch by batch. Reading them sorts the
 * whole marker collection on FerretDB, so a large backlog is taken in few reads.
 */
const MARKERS_PER_ROUND = 16_384;
/**
 * Events sent together (about: an entity's markers stay in one batch): one produce request per 500,
 * one insert recording them as sent, bulk deletes of 50 for their markers. The next batch is planned
 * and sent while the last one is recorded, across rounds too.
 */
const BATCH = 1_024;
/** A produce request stays well below the broker's default 1 MB record batch. */
const MAX_EVENTS_PER_SEND = 500;
const MAX_BYTES_PER_SEND = 512 * 1024;

/**
 * Publishes what the Outbox holds, at least once and in order per entity, in
 * batches read from the markers' copies: plan, publish, record as sent and
 * remove the markers; the entities' outboxes are cleared of what was sent
 * afterwards, beside the next rounds (see docs/outbox.md for the batches, the
 * lease and the crash rules).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private backoffMs = 0;
  private draining?: Promise<void>;
  private clearing?: Promise<void>;
  private again = false;
  /** The last round read a full round of markers: sending comes first, the clear waits. */
  private backlogged = false;
  private stopped = false;
  private leadership?: HeldLock;
  /**
   * The context the relay was made in (start-up): its rounds run there, not in
   * the request that woke it, whose trace and log bindings they would take over.
   */
  private readonly ownContext = new AsyncResource('OutboxRelay');
  private readonly clearer: SentClearing;
  /** The last batch's record and marker removal, left running into the next batch or round; settles to its error, if any. */
  private recording: Promise<Error | undefined> = Promise.resolve(undefined);
  /** That batch's markers and events: sent, so no round sends them again while they are being recorded. */
  private beingRecorded = { markerIds: new Set<string>(), eventIds: new Set<string>() };

  constructor(
    private readonly publisher: EventsPublisher,
    private readonly locks: EntityLocks,
    private readonly markers: OutboxMarkersRepository,
    private readonly sent: OutboxSentRepository,
    private readonly sources: OutboxSources,
    private readonly metrics: RegistryMetrics,
    private readonly lostScans: LostMarkerScans,
  ) {
    this.clearer = new SentClearing(locks, sent, sources);
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  /** Stops the relay after the round and the clear in flight, so no send is cut off half-way. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
    await this.scanning;
    await this.recording;
    await this.clearing;
    // Hand over at once rather than when the lease runs out.
    if (this.leadership) await this.locks.release(this.leadership).catch(() => undefined);
  }

  /** New events were written: publish soon (unless backing off from a broker outage). */
  wake(): void {
    this.clearer.wrote();
    if (this.draining) this.again = true;
    else if (this.backoffMs === 0) this.schedule(0);
  }

  /** Runs a write of many changes (see SentClearing.writeStarted): the background clear waits until it ends. */
  async writing<T>(work: () => Promise<T>): Promise<T> {
    this.clearer.writeStarted();
    try {
      return await work();
    } finally {
      this.clearer.writeEnded();
    }
  }

  /** One round: everything marked, in order per entity, sent and recorded (and the scan it started done). Resolves when done; never rejects. */
  async drain(): Promise<void> {
    await this.startRound();
    await this.scanning;
    await this.recorded().catch((error: Error) => this.failed(error));
  }

  /** A round, or the one under way; its last batch's record may still run when it resolves. */
  private startRound(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.round().finally(() => (this.draining = undefined));
    return this.draining;
  }

  /** Waits for the record in flight; its error is thrown once, to the first caller to see it. */
  private async recorded(): Promise<void> {
    const current = this.recording;
    const error = await current;
    if (this.recording !== current) return;
    this.recording = Promise.resolve(undefined);
    if (error) throw error;
  }

  private failed(error: Error): void {
    this.logger.warn(`outbox round failed: ${error.message}`);
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS);
  }

  /** Clears sent events from their entities' outboxes until none is left (or the lease is), writers busy or not: resolves when done; never rejects. */
  async clearSent(): Promise<void> {
    return this.clear(() => true);
  }

  /**
   * Clears only while this instance holds the lease, without renewing it (the rounds do that: two
   * takers at once would race), and while no backlog waits; `due` says whether writers let it go on.
   */
  private clear(due: () => boolean): Promise<void> {
    this.clearing ??= this.clearer
      .clearAll(() => !this.stopped && this.leads() && !this.backlogged && due())
      .finally(() => (this.clearing = undefined));
    return this.clearing;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = this.ownContext.runInAsyncScope(() => setTimeout(() => void this.tick(), delayMs));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    // The next round starts while this one's last record runs: a write waits for one round, not for a round and a record.
    await this.startRound();
    // Beside the next rounds, once no backlog is left and writers are quiet (or too much waits): clearing never holds up a send.
    if (this.leadership && this.backoffMs === 0 && !this.backlogged && this.clearer.due()) void this.clear(() => this.clearer.due());
    const delay = this.backoffMs || (this.again ? 0 : POLL_MS);
    this.again = false;
    this.schedule(delay);
  }

  private async round(): Promise<void> {
    try {
      if (!(await this.lead())) return;
      // Beside the rounds: on FerretDB the scan reads whole collections, which no send should wait for.
      if (!this.scanning) this.scanning = this.lostScans.look().finally(() => (this.scanning = undefined));
      const startedAt = Date.now();
      // Taken before the read: a record that ends meanwhile has removed its markers from what is read.
      const recordingMarkers = new Set(this.beingRecorded.markerIds);
      const read = await this.markers.oldest(MARKERS_PER_ROUND);
      const markers = read.filter((marker) => !recordingMarkers.has(marker.markerId ?? marker.id));
      // Another instance's writers wake no relay here: their markers tell they are busy.
      if (markers.length > 0) this.clearer.wrote();
      let sent = true;
      for (const batch of batchesOf(markers, BATCH)) {
        // A relay that lost its lease (stalled past it) leaves the rest to the new leader.
        if (this.stopped || !(await this.lead())) return await this.recorded();
        const plan = await planBatch(batch, this.sources, this.sent, new Set(this.beingRecorded.eventIds));
        sent = await this.send(plan.events);
        if (!sent) break;
        // One record at a time: this batch's starts once the previous one's is done.
        await this.recorded();
        this.beingRecorded = { markerIds: new Set(plan.markerIds), eventIds: new Set(plan.events.map((event) => event.id)) };
        this.recording = this.record(plan).then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      }
      this.backlogged = read.length >= MARKERS_PER_ROUND;
      if (this.backlogged) this.again = true;
      this.backoffMs = sent ? 0 : Math.min(Math.max(this.backoffMs * 2, 250), MAX_BACKOFF_MS);
      if (sent) this.metrics.relaySucceeded();
      if (markers.length > 0) this.logger.debug(`relayed ${markers.length} events in ${Date.now() - startedAt} ms`);
    } catch (error) {
      this.failed(error as Error);
    }
  }

  /** Whether this instance holds the relay lease now. */
  private leads(): boolean {
    return this.leadership !== undefined && !this.leadership.lost && this.leadership.expiresAt.getTime() > Date.now();
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
    if (this.leadership) this.clearer.forget();
    return this.leadership !== undefined;
  }

  /** Publishes a batch's events. False when the broker did not take them: the batch stays as it was. */
  private async send(events: readonly OutboxEvent[]): Promise<boolean> {
    try {
      await this.publish(events);
      return true;
    } catch {
      return false;
    }
  }

  /** Records a sent batch as sent, then removes its markers: a crash in between sends it again (docs/outbox.md#crash-rules). */
  private async record({ events, markerIds }: RelayPlan): Promise<void> {
    try {
      await this.sent.record(events);
      this.clearer.recorded(events.length);
      await this.markers.remove(markerIds);
    } finally {
      // Recorded, or failed with its markers kept: either way the next rounds read the store again.
      this.beingRecorded = { markerIds: new Set(), eventIds: new Set() };
    }
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
