import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { EntityKey } from './entity-key';
import { chunks } from '../../common/mongo/bulk-chunks';
import { insertManyUnique } from '../../common/mongo/unique-inserts';
import { OutboxMarker } from './outbox-marker.schema';

/** The one place that touches the `outbox_markers` collection. */
@Injectable()
export class OutboxMarkersRepository {
  constructor(@InjectModel(OutboxMarker.name) private readonly markers: Model<OutboxMarker>) {}

  /** Marks entities as having events waiting; one already marked stays as it is. */
  async mark(keys: readonly EntityKey[]): Promise<void> {
    if (keys.length === 0) return;
    const since = new Date();
    // Already marked is fine (a refused insert): the relay has not got to it yet.
    await insertManyUnique(
      this.markers,
      keys.map((key) => ({ _id: key, since })),
    );
  }

  /** The keys marked longest ago, oldest first. */
  async oldest(limit: number): Promise<string[]> {
    const markers = await this.markers.find({}, { _id: 1 }).sort({ since: 1 }).limit(limit).lean().exec();
    return markers.map((marker) => marker._id);
  }

  /** How many entities have events waiting, and since when the longest-waiting one has (for the metrics). */
  async backlog(): Promise<{ entities: number; oldestSince?: Date }> {
    const [entities, oldest] = await Promise.all([
      this.markers.countDocuments({}).exec(),
      this.markers.findOne({}, { since: 1 }).sort({ since: 1 }).lean().exec(),
    ]);
    return { entities, ...(oldest ? { oldestSince: oldest.since } : {}) };
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
}
