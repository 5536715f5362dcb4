import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import { Model, mongo } from 'mongoose';
import { EntityKey } from './entity-key';
import { bsonCopies, bsonCopy, fromBsonCopies, fromBsonCopy } from '../../common/mongo/bson-copy';
import { JoinedWrites } from '../../common/async/joined-writes';
import { removeByIds } from '../../common/mongo/find-by-ids';
import { isDuplicateKeyError } from '../../common/mongo/duplicate-key';
import { insertEach, insertManyUnique } from '../../common/mongo/unique-inserts';
import type { OutboxEvent } from './event-factory';
import { OutboxMarker } from './outbox-marker.schema';

/** A marker as the relay reads it: its event, or (a marker of an older version, or an entity marked without one) none. */
export interface WaitingMarker {
  id: string;
  key: string;
  event?: OutboxEvent;
  /** Written after the write that committed its entity (see OutboxMarker.committed). */
  committed?: boolean;
  /** The batch marker that marks it with the other events of its write, removed with them; absent when the marker is `id`. */
  markerId?: string;
}

/**
 * Events marked by one write from which on they share batch markers: FerretDB pays per document, so 1,000 markers cost it
 * ~3× more to insert, ~4× to read and ~5× to delete than one carrying their 1,000 copies. Fewer go one marker each.
 */
export const BATCH_FROM = 16;
/** A batch marker's copies at most (~65 `dataset.created`): a reply of 101 markers, the driver's first batch, stays ~6 MB. */
const BATCH_BYTES = 64 * 1024;
/** A batch marker's key: `batch:<events>`, so the backlog counts its events without reading its copies. */
const BATCH_KEY = /^batch:(\d+)$/;

/** A marker as read: its copy a Binary through the driver. */
type StoredMarker = Omit<OutboxMarker, 'copy'> & { copy?: mongo.Binary | Uint8Array };

/** The events a batch marker's copy holds. */
function batchEvents(copy: mongo.Binary | Uint8Array): OutboxEvent[] {
  return fromBsonCopies<OutboxEvent>(copy);
}

/** Positions of `copies` in runs of up to BATCH_BYTES (a larger copy alone), in order. */
function batchesBySize(copies: readonly Buffer[]): number[][] {
  const batches: number[][] = [];
  let [batch, bytes] = [[] as number[], 0];
  copies.forEach((copy, i) => {
    if (batch.length > 0 && bytes + copy.length > BATCH_BYTES) {
      batches.push(batch);
      [batch, bytes] = [[], 0];
    }
    batch.push(i);
    bytes += copy.length;
  });
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** The key of the entity an event tells of. */
export function keyOf(event: OutboxEvent): EntityKey {
  return `${event.entity}:${event.entityId}`;
}

/** The one place that touches the `outbox_markers` collection. */
@Injectable()
export class OutboxMarkersRepository {
  /** The markers of the writes running side by side (every user and dataset write marks), inserted together: one command. */
  private readonly joined = new JoinedWrites<OutboxMarker>((markers) => insertEach(this.markers, markers));

  constructor(@InjectModel(OutboxMarker.name) private readonly markers: Model<OutboxMarker>) {}

  /**
   * Marks events just written, each with its copy, in one insert with the other writers' of this turn; a marker
   * already there (the scan's) is left as it is. Called only once their entities' write committed them, which
   * the markers say. The events of many entities (BATCH_FROM or more, one each) share one batch marker.
   */
  async mark(events: readonly OutboxEvent[]): Promise<void> {
    const since = new Date();
    const copies = events.map((event) => bsonCopy(event));
    const one = (i: number): OutboxMarker => ({ _id: events[i].id, key: keyOf(events[i]), since, copy: copies[i], committed: true });
    if (events.length < BATCH_FROM || new Set(events.map(keyOf)).size < events.length)
      return this.insertJoined(events.map((_, i) => one(i)));
    const markers = batchesBySize(copies).map((positions) => {
      if (positions.length === 1) return one(positions[0]);
      const batch = positions.length;
      const copy = bsonCopies(positions.map((i) => copies[i]));
      return { _id: `batch:${randomUUID()}`, key: `batch:${batch}`, since, copy, committed: true, batch };
    });
    await this.insertJoined(markers);
  }

  /**
   * The scan's re-marking of events a crash left unmarked: dated when they happened, so the relay takes
   * them before any later event of their entity (docs/outbox.md#crash-rules).
   */
  async markLost(events: readonly OutboxEvent[]): Promise<void> {
    await insertManyUnique(
      this.markers,
      events.map((event) => ({ _id: event.id, key: keyOf(event), since: new Date(event.occurredAt), copy: bsonCopy(event) })),
    );
  }

  /** Marks whole entities, without copies: the relay reads their outboxes (what every marker of an older version asks). */
  async markEntities(keys: readonly EntityKey[]): Promise<void> {
    const since = new Date();
    await this.insertJoined(keys.map((key) => ({ _id: key, since })));
  }

  /**
   * The markers written longest ago, oldest first (each with its event, from its copy or, an older version's, its `event`), about
   * `limit`: a batch marker's events all or none, each as a marker of its own that names the batch (`markerId`).
   */
  async oldest(limit: number): Promise<WaitingMarker[]> {
    // Read as a cursor: once `limit` events are read, the rest (batch markers of up to 1,000 copies each) stays in the store.
    const cursor = this.markers
      .find({}, { _id: 1, key: 1, copy: 1, event: 1, committed: 1, batch: 1 })
      .sort({ since: 1 })
      .limit(limit)
      .lean<StoredMarker>()
      .cursor();
    const waiting: WaitingMarker[] = [];
    try {
      while (waiting.length < limit) {
        const marker = await cursor.next();
        if (!marker) break;
        const { _id, key, copy, event, committed, batch } = marker;
        const flag = committed ? { committed } : {};
        if (batch && copy) {
          for (const each of batchEvents(copy)) waiting.push({ id: each.id, key: keyOf(each), event: each, ...flag, markerId: _id });
        } else
          waiting.push({
            id: _id,
            key: key ?? _id,
            ...(copy ? { event: fromBsonCopy<OutboxEvent>(copy) } : event ? { event } : {}),
            ...flag,
          });
      }
    } finally {
      await cursor.close();
    }
    return waiting;
  }

  /** The id of every event with a marker and of every entity marked whole (for the scan: an event with a marker is not lost). */
  async allIds(): Promise<Set<string>> {
    const markers = await this.markers.find({}, { _id: 1, copy: 1, batch: 1 }).lean<StoredMarker[]>().exec();
    return new Set(markers.flatMap(({ _id, copy, batch }) => (batch && copy ? batchEvents(copy).map((event) => event.id) : [_id])));
  }

  /** How many entities and events wait, and since when the longest-waiting event has (for the metrics). */
  async backlog(): Promise<{ entities: number; events: number; oldestSince?: Date }> {
    const [byEntity, oldest] = await Promise.all([
      // Both counts from one read, so they agree (each entity waiting has an event); summed here: FerretDB 1.24 sums a previous
      // stage's fields as 0. Markers of an older version, keyless, count as one entity.
      this.markers.aggregate<{ _id: string | null; events: number }>([{ $group: { _id: '$key', events: { $sum: 1 } } }]).exec(),
      this.markers.findOne({}, { since: 1 }).sort({ since: 1 }).lean().exec(),
    ]);
    // A batch marker's events are of as many entities.
    let [entities, events] = [0, 0];
    for (const { _id, events: markers } of byEntity) {
      const batch = BATCH_KEY.exec(_id ?? '');
      const count = batch ? Number(batch[1]) * markers : markers;
      entities += batch ? count : 1;
      events += count;
    }
    return { entities, events, ...(oldest ? { oldestSince: oldest.since } : {}) };
  }

  /** Removes markers by id (a batch marker's id may come once per event it marks). */
  async remove(ids: readonly string[]): Promise<void> {
    await removeByIds(this.markers, [...new Set(ids)]);
  }

  /** Inserts markers with the other writers' of this turn: one already there is no failure, any other refusal of these is. */
  private async insertJoined(docs: OutboxMarker[]): Promise<void> {
    if (docs.length === 0) return;
    const refused = await this.joined.store(docs);
    const failure = [...refused.values()].find((error) => !isDuplicateKeyError(error));
    if (failure) throw failure;
  }
}
