import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MAX_BACKGROUND_SHARE, nextDelayMs } from '../../common/scheduling/run-every';
import { entityKey } from './entity-key';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxSentRepository } from './outbox-sent.repository';
import { OutboxSources } from './outbox-sources';
import { RelayBeatsRepository } from './relay-beats.repository';

/** How often each instance renews its beat, and the relay looks at the others'. */
export const BEAT_EVERY_MS = 5_000;
/** A beat this old belongs to an instance that died (or stalled that long: a scan too many does no harm). */
export const BEAT_STALE_MS = 30_000;
/** A scan at least this often whatever the beats say: what no beat tells of (an instance of an older version that died). */
export const SCAN_AT_LEAST_EVERY_MS = 30 * 60_000;

/**
 * The relay's scan for events a crash left without a marker (remarkLost), run when one may exist: at the
 * relay's first look (this instance may replace one that died), when another instance's beat stops (it
 * died, perhaps between a write and its marker), and every SCAN_AT_LEAST_EVERY_MS; each scan followed by
 * rest enough to keep scanning to a small share of the time. On FerretDB a scan reads every user and
 * dataset, so scanning every minute cost 5 % of the time at 100,000 datasets (docs/outbox.md#crash-rules).
 */
@Injectable()
export class LostMarkerScans implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LostMarkerScans.name);
  readonly instanceId = randomUUID();
  private beating?: NodeJS.Timeout;
  private due = true;
  private nextLookAt = 0;
  private restUntil = 0;
  private scanAt = Date.now() + SCAN_AT_LEAST_EVERY_MS;

  constructor(
    private readonly markers: OutboxMarkersRepository,
    private readonly sent: OutboxSentRepository,
    private readonly sources: OutboxSources,
    private readonly beats: RelayBeatsRepository,
  ) {}

  onApplicationBootstrap(): void {
    const beat = (): void => {
      this.beats.beat(this.instanceId, new Date()).catch((error: Error) => this.logger.warn(`relay beat failed: ${error.message}`));
    };
    beat();
    this.beating = setInterval(beat, BEAT_EVERY_MS);
    this.beating.unref();
  }

  /** Stopping cleanly leaves no event unmarked: no scan is due for this instance. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.beating);
    await this.beats.remove(this.instanceId).catch(() => undefined);
  }

  /** The relay leader's look, beside its rounds: cheap until it is time; then the beats read, and a scan if one is due. Never rejects. */
  async look(): Promise<void> {
    if (Date.now() < this.nextLookAt) return;
    this.nextLookAt = Date.now() + BEAT_EVERY_MS;
    try {
      const dead = await this.beats.takeStale(new Date(Date.now() - BEAT_STALE_MS));
      if (dead.length > 0) this.logger.log(`instances stopped beating (${dead.join(', ')}): scanning for events they left unmarked`);
      this.due ||= dead.length > 0 || Date.now() >= this.scanAt;
      if (!this.due || Date.now() < this.restUntil) return;
      const startedAt = Date.now();
      await remarkLost(this.markers, this.sent, this.sources);
      this.due = false;
      const tookMs = Date.now() - startedAt;
      this.restUntil = Date.now() + nextDelayMs(0, tookMs, MAX_BACKGROUND_SHARE);
      this.scanAt = Date.now() + SCAN_AT_LEAST_EVERY_MS;
    } catch (error) {
      // Still due: the next look tries again.
      this.logger.warn(`outbox scan failed: ${(error as Error).message}`);
    }
  }
}

/**
 * The relay's scan: re-marks the events in an outbox with neither a marker nor a record of being sent
 * (a crash between the write and its marker). Markers are read before the records, so an event sent
 * meanwhile is seen in one or the other (docs/outbox.md#crash-rules).
 */
export async function remarkLost(markers: OutboxMarkersRepository, sent: OutboxSentRepository, sources: OutboxSources): Promise<void> {
  const marked = await markers.allIds();
  const sentIds = await sent.allIds();
  for (const [entity, source] of sources.entries()) {
    const waiting = await source.entitiesWithWaitingEvents();
    const lost = waiting
      .filter(({ id }) => !marked.has(entityKey(entity, id)))
      .flatMap(({ events }) => events.filter((event) => !marked.has(event.id) && !sentIds.has(event.id)));
    await markers.markLost(lost);
  }
}
