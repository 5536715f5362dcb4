import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { EntityKey } from './entity-key';
import { inParallel } from '../../common/async/in-parallel';
import { chunks } from '../../common/mongo/bulk-chunks';
import { insertManyUnique } from '../../common/mongo/unique-inserts';
import { OutboxMarker } from './outbox-marker.schema';

/** An entity's marker and the number of its events waiting (or, to mark, just written). */
export interface MarkedEvents {
  key: EntityKey;
  events: number;
}

/** Updates in flight at once: one bare `_id` update each (FerretDB scans for `$in`). */
const PARALLEL_UPDATES = 8;

/** The one place that touches the `outbox_markers` collection. */
@Injectable()
export class OutboxMarkersRepository {
  constructor(@InjectModel(OutboxMarker.name) private readonly markers: Model<OutboxMarker>) {}

  /**
   * Marks entities as having `events` more waiting: a new marker in one insert for all; one already there (the relay has not
   * got to it yet) adds them, by bare `_id`. Markers change under the entity's lock, so no atomic `$inc` is needed (docs/outbox.md).
   */
  async mark(written: readonly MarkedEvents[]): Promise<void> {
    const refused = await this.insertMarkers(written);
    const added = written.filter((_, position) => refused.has(position));
    for (const chunk of chunks(added)) {
      await this.markers.bulkWrite(
        chunk.map(({ key, events }) => ({ updateOne: { filter: { _id: key }, update: { $inc: { events } } } })),
        { ordered: false },
      );
    }
  }

  /** The relay's scan: marks entities whose marker a crash lost, with their outbox's length; existing markers stay as they are. */
  async markMissing(waiting: readonly MarkedEvents[]): Promise<void> {
    await this.insertMarkers(waiting);
  }

  /** Sets the count of entities still waiting after the relay cleared what it sent (rare: written to meanwhile). */
  async recount(waiting: readonly MarkedEvents[]): Promise<void> {
    await inParallel(waiting, PARALLEL_UPDATES, async ({ key, events }) => {
      await this.markers.updateOne({ _id: key }, { $set: { events } }).exec();
    });
  }

  /** The keys marked longest ago, oldest first. */
  async oldest(limit: number): Promise<string[]> {
    const markers = await this.markers.find({}, { _id: 1 }).sort({ since: 1 }).limit(limit).lean().exec();
    return markers.map((marker) => marker._id);
  }

  /** How many entities and events wait, and since when the longest-waiting entity has (for the metrics). */
  async backlog(): Promise<{ entities: number; events: number; oldestSince?: Date }> {
    const [counts, oldest] = await Promise.all([
      // Grouped by the count itself: one read, field paths only (what FerretDB 1.24 supports); a marker without a count is one event.
      this.markers.aggregate<{ _id: number | null; markers: number }>([{ $group: { _id: '$events', markers: { $sum: 1 } } }]).exec(),
      this.markers.findOne({}, { since: 1 }).sort({ since: 1 }).lean().exec(),
    ]);
    let entities = 0;
    let events = 0;
    for (const { _id, markers } of counts) {
      entities += markers;
      events += (_id ?? 1) * markers;
    }
    return { entities, events, ...(oldest ? { oldestSince: oldest.since } : {}) };
  }

  /** Removes the markers of entities with nothing left to publish: a bare `_id` lookup each, one round trip per chunk (see MAX_STATEMENTS_PER_COMMAND). */
  async remove(keys: readonly string[]): Promise<void> {
    for (const chunk of chunks(keys)) {
      await this.markers.bulkWrite(
        chunk.map((key) => ({ deleteOne: { filter: { _id: key } } })),
        { ordered: false },
      );
    }
  }

  /** Inserts markers for all in one unordered batch; returns the positions already marked. */
  private async insertMarkers(waiting: readonly MarkedEvents[]): Promise<Set<number>> {
    if (waiting.length === 0) return new Set();
    const since = new Date();
    return insertManyUnique(
      this.markers,
      waiting.map(({ key, events }) => ({ _id: key, since, events })),
    );
  }
}
