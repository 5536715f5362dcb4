import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Types } from 'mongoose';
import { parseEntityKey } from './entity-key';
import { EntityLocks } from '../../common/locks/entity-locks';
import type { OutboxEvent } from './event-factory';
import { OutboxSentRepository, SentEvent } from './outbox-sent.repository';
import { OutboxSources } from './outbox-sources';

/** Sent records read at once for clearing. */
const CLEAR_READ = 2_048;
/**
 * Entities cleared together under their locks: small, so a writer that comes while a batch runs
 * waits behind few statements (FerretDB writes one statement at a time).
 */
const CLEAR_BATCH = 64;
/** A write seen this recently (woken, or a round that found markers: any instance's) means writers are busy. */
const QUIET_MS = 2_000;
/**
 * Sent records waiting beyond which the clear runs even while writers are busy: under sustained
 * writes outbox_sent and the outboxes stay bounded, at the cost of the writers' latency.
 */
export const MAX_SENT_WAITING = 50_000;

/**
 * Clears sent events from their entities' outboxes, then their sent records (docs/outbox.md#clearing-the-outboxes):
 * bookkeeping that competes with the writers for the store and the entities' locks, so in the
 * background it waits while writes flow, unless more than MAX_SENT_WAITING records wait.
 */
export class SentClearing {
  private readonly logger = new Logger(SentClearing.name);
  private lastWriteAt = 0;
  private writesUnderWay = 0;
  /** Sent records waiting to be cleared, as far as this instance knows (counted once a lease is taken). */
  private waiting?: number;

  constructor(
    private readonly locks: EntityLocks,
    private readonly sent: OutboxSentRepository,
    private readonly sources: OutboxSources,
    private readonly maxWaiting = MAX_SENT_WAITING,
  ) {}

  /** Writers are busy: a write woke the relay, or a round found markers. */
  wrote(): void {
    this.lastWriteAt = Date.now();
  }

  /**
   * A write of many changes started here (a bulk registration: seconds on a busy store, with its markers at the end): busy
   * until it ends, however long it takes, so the clear does not take the store from it half-way.
   */
  writeStarted(): void {
    this.writesUnderWay++;
  }

  writeEnded(): void {
    this.writesUnderWay--;
    this.wrote();
  }

  /** Events were recorded as sent: one more each to clear. */
  recorded(count: number): void {
    if (this.waiting !== undefined) this.waiting += count;
  }

  /** A new lease: what waits is not known (another instance may have recorded since). */
  forget(): void {
    this.waiting = undefined;
  }

  /** Whether the background clear may run: no write under way nor lately, or too many records wait (or how many is not known yet). */
  due(): boolean {
    const quiet = this.writesUnderWay === 0 && Date.now() - this.lastWriteAt >= QUIET_MS;
    return quiet || this.waiting === undefined || this.waiting > this.maxWaiting;
  }

  /**
   * Clears until no sent record is left, an entity is busy with a writer, or `mayGoOn` says stop
   * (checked before each batch); resolves when done, never rejects. After each batch it rests as
   * long as the batch took, so sends and writers get the store at least half the time.
   */
  async clearAll(mayGoOn: () => boolean): Promise<void> {
    try {
      this.waiting ??= await this.sent.count();
      while (mayGoOn()) {
        const sent = await this.sent.some(CLEAR_READ);
        if (sent.length < CLEAR_READ) this.waiting = sent.length;
        if (sent.length === 0) return;
        let busy = false;
        for (let i = 0; i < sent.length && mayGoOn(); i += CLEAR_BATCH) {
          const batch = sent.slice(i, i + CLEAR_BATCH);
          const startedAt = Date.now();
          const cleared = await this.clear(batch);
          await this.sent.remove(cleared);
          this.waiting = Math.max(0, (this.waiting ?? 0) - cleared.length);
          busy ||= cleared.length < batch.length;
          const tookMs = Date.now() - startedAt;
          if (tookMs > 0) await sleep(tookMs);
        }
        // Entities busy with a writer are tried again after the next round.
        if (busy || sent.length < CLEAR_READ) return;
      }
    } catch (error) {
      this.logger.warn(`clearing sent events failed: ${(error as Error).message}`);
    }
  }

  /**
   * Removes sent events from their entities' outboxes, under the entities' locks (one insert for all,
   * waiting up to 2 s for writers), and deletes tombstones left with nothing; returns the ids of the
   * events cleared. An entity gone is cleared too.
   */
  private async clear(sent: readonly SentEvent[]): Promise<string[]> {
    const byKey = new Map<string, OutboxEvent[]>();
    for (const { key, event } of sent) byKey.set(key, [...(byKey.get(key) ?? []), event]);
    const cleared: string[] = [];
    await this.locks.withLocks([...byKey.keys()], { purpose: 'relay', waitMs: 2_000 }, async (held) => {
      const locked = new Set(held.map((lock) => lock.key));
      for (const [key, events] of byKey) {
        // A key no source keeps (any more) has nothing to clear.
        if (!this.sources.has(parseEntityKey(key)?.entity) && locked.has(key)) cleared.push(...events.map((event) => event.id));
      }
      for (const [entity, source] of this.sources.entries()) {
        const mine = [...byKey].filter(([key]) => locked.has(key) && parseEntityKey(key)?.entity === entity);
        if (mine.length === 0) continue;
        await source.clearPublished(mine.map(([key, events]) => ({ id: (parseEntityKey(key) as { id: Types.ObjectId }).id, events })));
        cleared.push(...mine.flatMap(([, events]) => events.map((event) => event.id)));
      }
    });
    return cleared;
  }
}
