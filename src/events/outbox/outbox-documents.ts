import { AnyBulkWriteOperation, Model, Types } from 'mongoose';
import type { OutboxFields, PublishedEvents, WaitingEvents } from './outbox-source';
import { findByIds, findEachById } from '../../common/mongo/find-by-ids';
import type { OutboxEvent } from './event-factory';
import { KEEP_UPDATED_AT } from '../../common/mongo/field-changes';
import { chunks } from '../../common/mongo/bulk-chunks';

/**
 * Documents cleared by one write. FerretDB pays most of an update per command: an `updateMany` of 32–128
 * documents cost it 0.42–0.46 ms of CPU a document, a findAndModify each 0.75–0.77 ms. Each document's
 * outbox is compared with all the events pulled: a clear batch (64) keeps that small.
 */
const CLEARED_PER_WRITE = 64;

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

  /**
   * Removes exactly the published events (as read) from their documents' outboxes: per CLEARED_PER_WRITE documents one
   * `updateMany` by `_id` `$in` pulling all their events (each outbox holds only its own) and one read of what they hold
   * then; returns how many events each document still holds, and deletes the tombstones left with nothing.
   */
  async clearPublished(published: readonly PublishedEvents[]): Promise<Map<string, number>> {
    const operations: AnyBulkWriteOperation<OutboxFields>[] = [];
    const stillWaiting = new Map<string, number>();
    for (const part of chunks(published, CLEARED_PER_WRITE)) {
      const ids = part.map(({ id }) => id);
      const pulled = part.flatMap(({ events }) => events);
      if (pulled.length > 0) await this.model.updateMany({ _id: { $in: ids } }, { $pullAll: { outbox: pulled } }, KEEP_UPDATED_AT).exec();
      const current = new Map((await findByIds(this.model, ids)).map((doc) => [String(doc._id), doc]));
      for (const { id, events } of part) {
        const doc = current.get(String(id));
        if (!doc) continue;
        const sent = new Set(events.map((event) => event.id));
        const outbox = doc.outbox ?? [];
        const left = outbox.filter((event) => !sent.has(event.id));
        if (left.length < outbox.length) {
          // The pull matched not every event it was given (a store that compares them differently): remove them by id.
          operations.push(setOutbox(id, left));
        }
        if (left.length > 0) {
          // More was written while these were being published: kept for the next round.
          stillWaiting.set(id.toHexString(), left.length);
        } else if (this.isTombstone(doc)) {
          operations.push({ deleteOne: { filter: { _id: id } } });
        }
      }
    }
    // One round trip per chunk (see MAX_STATEMENTS_PER_COMMAND).
    // `as never`: Mongoose's conditional types cannot relate a generic T to its bulk operations.
    for (const chunk of chunks(operations)) await this.model.bulkWrite(chunk as never, { ordered: false });
    return stillWaiting;
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
