import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo } from 'mongoose';
import { EntityKey } from './entity-key';
import { bsonCopy, fromBsonCopy } from '../../common/mongo/bson-copy';
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
}

/** A marker as read: its copy a Binary through the driver. */
type StoredMarker = Omit<OutboxMarker, 'copy'> & { copy?: mongo.Binary | Uint8Array };

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
   * the markers say.
   */
  async mark(events: readonly OutboxEvent[]): Promise<void> {
    const since = new Date();
    await this.insertJoined(events.map((event) => ({ _id: event.id, key: keyOf(event), since, copy: bsonCopy(event), committed: true })));
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

  /** The markers written longest ago, oldest first (each with its event, from its copy or, an older version's, its `event`). */
  async oldest(limit: number): Promise<WaitingMarker[]> {
    const markers = await this.markers
      .find({}, { _id: 1, key: 1, copy: 1, event: 1, committed: 1 })
      .sort({ since: 1 })
      .limit(limit)
      .lean<StoredMarker[]>()
      .exec();
    return markers.map(({ _id, key, copy, event, committed }) => ({
      id: _id,
      key: key ?? _id,
      ...(copy ? { event: fromBsonCopy<OutboxEvent>(copy) } : event ? { event } : {}),
      ...(committed ? { committed } : {}),
    }));
  }

  /** Every marker's id (for the scan: an event with a marker is not lost). */
  async allIds(): Promise<Set<string>> {
    const markers = await this.markers.find({}, { _id: 1 }).lean().exec();
    return new Set(markers.map((marker) => marker._id));
  }

  /** How many entities and events wait, and since when the longest-waiting event has (for the metrics). */
  async backlog(): Promise<{ entities: number; events: number; oldestSince?: Date }> {
    const [byEntity, oldest] = await Promise.all([
      // Both counts from one read, so they agree (each entity waiting has an event); summed here: FerretDB 1.24 sums a previous
      // stage's fields as 0. Markers of an older version, keyless, count as one entity.
      this.markers.aggregate<{ events: number }>([{ $group: { _id: '$key', events: { $sum: 1 } } }]).exec(),
      this.markers.findOne({}, { since: 1 }).sort({ since: 1 }).lean().exec(),
    ]);
    const events = byEntity.reduce((sum, entity) => sum + entity.events, 0);
    return { entities: byEntity.length, events, ...(oldest ? { oldestSince: oldest.since } : {}) };
  }

  /** Removes markers by id. */
  async remove(ids: readonly string[]): Promise<void> {
    await removeByIds(this.markers, ids);
  }

  /** Inserts markers with the other writers' of this turn: one already there is no failure, any other refusal of these is. */
  private async insertJoined(docs: OutboxMarker[]): Promise<void> {
    if (docs.length === 0) return;
    const refused = await this.joined.store(docs);
    const failure = [...refused.values()].find((error) => !isDuplicateKeyError(error));
    if (failure) throw failure;
  }
}
