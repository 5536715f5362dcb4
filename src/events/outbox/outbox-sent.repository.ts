import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, mongo } from 'mongoose';
import { findByIds, removeByIds } from '../../common/mongo/find-by-ids';
import { insertManyUnique } from '../../common/mongo/unique-inserts';
import { bsonCopy, fromBsonCopy } from '../../common/mongo/bson-copy';
import type { OutboxEvent } from './event-factory';
import { OutboxSent } from './outbox-marker.schema';
import { keyOf } from './outbox-markers.repository';

/** A sent record as read: its copy a Binary through the driver, or (an earlier version's) its `event`. */
type StoredSent = Omit<OutboxSent, 'copy'> & { copy?: mongo.Binary | Uint8Array };

/** A sent event whose entity's outbox still holds it. */
export interface SentEvent {
  key: string;
  event: OutboxEvent;
}

/** The one place that touches the `outbox_sent` collection: the record of events sent, until their entities' outboxes are cleared. */
@Injectable()
export class OutboxSentRepository {
  constructor(@InjectModel(OutboxSent.name) private readonly sent: Model<OutboxSent>) {}

  /** Records events as sent, in one insert; one sent before (a send repeated after a crash) stays as it is. */
  async record(events: readonly OutboxEvent[]): Promise<void> {
    const at = new Date();
    await insertManyUnique(
      this.sent,
      events.map((event) => ({ _id: event.id, key: keyOf(event), at, copy: bsonCopy(event) })),
    );
  }

  /** Which of these events were sent and are not cleared yet. */
  async sentAmong(ids: readonly string[]): Promise<Set<string>> {
    return new Set((await findByIds(this.sent, ids, { _id: 1 })).map((entry) => entry._id));
  }

  /** Some sent events, in no particular order: what the relay clears from the entities next (unsorted, so FerretDB need not read them all). */
  async some(limit: number): Promise<SentEvent[]> {
    const sent = await this.sent.find({}, { key: 1, copy: 1, event: 1 }).limit(limit).lean<StoredSent[]>().exec();
    return sent.flatMap(({ key, copy, event }) => {
      const copied = copy ? fromBsonCopy<OutboxEvent>(copy) : event;
      return copied ? [{ key, event: copied }] : [];
    });
  }

  /** About how many sent events wait to be cleared (the store's count of the collection, not a scan on MongoDB). */
  count(): Promise<number> {
    return this.sent.estimatedDocumentCount().exec();
  }

  /** Every sent event's id (for the scan: such an event is not lost). */
  async allIds(): Promise<Set<string>> {
    const sent = await this.sent.find({}, { _id: 1 }).lean().exec();
    return new Set(sent.map((entry) => entry._id));
  }

  /** Forgets events cleared from their entities. */
  async remove(ids: readonly string[]): Promise<void> {
    await removeByIds(this.sent, ids);
  }
}
