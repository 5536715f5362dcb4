import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { EntityKey } from '../../common/locks/entity-key';
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

  /**
   * Up to `limit` marked keys, in the order they were marked: the store's
   * natural order, without a sort — FerretDB would sort the whole collection
   * (a second for a backlog of 20,000) where the first rows are enough.
   */
  async oldest(limit: number): Promise<string[]> {
    const markers = await this.markers.find({}, { _id: 1 }).limit(limit).lean().exec();
    return markers.map((marker) => marker._id);
  }

  /** Removes the markers of entities with nothing left to publish: one round trip, a bare `_id` lookup each. */
  async remove(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.markers.bulkWrite(
      keys.map((key) => ({ deleteOne: { filter: { _id: key } } })),
      { ordered: false },
    );
  }
}
