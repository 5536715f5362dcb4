import { AnyBulkWriteOperation, Model, Types } from 'mongoose';
import type { OutboxFields, PublishedEvents, WaitingEvents } from './outbox-source';
import { findEachById } from '../../common/mongo/find-by-ids';
import { inParallel } from '../../common/async/in-parallel';
import type { OutboxEvent } from './event-factory';
import { KEEP_UPDATED_AT } from '../../common/mongo/field-changes';
import { chunks } from '../../common/mongo/bulk-chunks';

/**
 * Documents cleared side by side: one update by `_id` each (each removes its
 * own events), pipelined over the connection pool so a batch costs a few round
 * trips of wall time. 16 keeps FerretDB's cores busy without crowding out the
 * requests served meanwhile.
 */
const PARALLEL_CLEARS = 16;

/**
 * The outbox operations on a collection whose documents carry their own
 * outbox (OutboxEntity), for the repositories that implement OutboxSource.
 * `isHeld` keeps a document's events back while it is not committed (null:
 * never); `isTombstone` tells a deleted document, removed once its last event is out.
 */
export class OutboxDocuments<T extends OutboxFields> {
  readonly holdsBack: boolean;

  constructor(
    private readonly model: Model<T>,
    private readonly isHeld: ((doc: T) => boolean) | null,
    private readonly isTombstone: (doc: T) => boolean,
  ) {
    this.holdsBack = isHeld !== null;
  }

  async waitingEvents(ids: readonly Types.ObjectId[]): Promise<Map<string, WaitingEvents>> {
    const docs = await findEachById(this.model, ids);
    const found = new Map<string, WaitingEvents>();
    docs.forEach((doc, i) => {
      if (doc)
        found.set(ids[i].toHexString(), { events: doc.outbox ?? [], held: this.isHeld?.(doc) ?? false, tombstone: this.isTombstone(doc) });
    });
    return found;
  }

  async clearPublished(published: readonly PublishedEvents[]): Promise<Map<string, number>> {
    const operations: AnyBulkWriteOperation<OutboxFields>[] = [];
    const stillWaiting = new Map<string, number>();
    await inParallel(published, PARALLEL_CLEARS, async ({ id, events }) => {
      const current = await this.pullPublished(id, events);
      if (!current) return;
      const sent = new Set(events.map((event) => event.id));
      const outbox = current.outbox ?? [];
      const left = outbox.filter((event) => !sent.has(event.id));
      if (left.length < outbox.length) {
        // The pull matched not every event it was given (a store that compares them differently): remove them by id.
        operations.push(setOutbox(id, left));
      }
      if (left.length > 0) {
        // More was written while these were being published: kept for the next round.
        stillWaiting.set(id.toHexString(), left.length);
      } else if (this.isTombstone(current)) {
        operations.push({ deleteOne: { filter: { _id: id } } });
      }
    });
    // One round trip per chunk (see MAX_STATEMENTS_PER_COMMAND).
    // `as never`: Mongoose's conditional types cannot relate a generic T to its bulk operations.
    for (const chunk of chunks(operations)) await this.model.bulkWrite(chunk as never, { ordered: false });
    return stillWaiting;
  }

  /**
   * Removes exactly `events` (as read) from the document's outbox and returns what it holds then: one
   * round trip instead of a read and a write. A pull of nothing is just the read.
   */
  private pullPublished(id: Types.ObjectId, events: readonly OutboxEvent[]): Promise<T | null> {
    if (events.length === 0) return this.model.findById(id).lean<T>().exec();
    return this.model
      .findOneAndUpdate({ _id: id }, { $pullAll: { outbox: events } }, { new: true, ...KEEP_UPDATED_AT })
      .lean<T>()
      .exec();
  }

  async entitiesWithWaitingEvents(): Promise<{ id: Types.ObjectId; events: OutboxEvent[] }[]> {
    const waiting = await this.model
      .find({ 'outbox.0': { $exists: true } })
      .lean<T[]>()
      .exec();
    // A document not committed yet (a pending dataset) is not marked: its events go out once it is.
    return waiting.filter((doc) => !this.isHeld?.(doc)).map((doc) => ({ id: doc._id, events: doc.outbox ?? [] }));
  }
}

/** Clearing the outbox is bookkeeping, not a change of the entity: it keeps `updatedAt`. */
function setOutbox(id: Types.ObjectId, outbox: OutboxFields['outbox']): AnyBulkWriteOperation<OutboxFields> {
  return { updateOne: { filter: { _id: id }, update: { $set: { outbox } }, ...KEEP_UPDATED_AT } };
}
