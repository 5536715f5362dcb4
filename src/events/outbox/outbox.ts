import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { duplicateKeyIndexes } from '../../common/mongo/duplicate-key';
import { EventEntity } from '../contract';
import { OutboxMarker } from './outbox-marker.schema';
import { entityKey, OutboxFields, OutboxSource } from './outbox-source';

/**
 * The transactional outbox, without transactions: every change of a user or
 * dataset is written together with its event — in the same single-document
 * write, into the document's `outbox` array — so a change never commits
 * without its event, whatever happens to the broker or the process. The
 * OutboxRelay publishes those events and then removes them.
 */
@Injectable()
export class Outbox {
  private readonly sources = new Map<EventEntity, OutboxSource>();
  private readonly listeners: (() => void)[] = [];

  constructor(@InjectModel(OutboxMarker.name) private readonly markers: Model<OutboxMarker>) {}

  /** Called by the module that owns a collection with outboxes. */
  register<T extends OutboxFields>(source: OutboxSource<T>): void {
    this.sources.set(source.entity, source as unknown as OutboxSource);
  }

  registeredSources(): OutboxSource[] {
    return [...this.sources.values()];
  }

  source(entity: EventEntity): OutboxSource | undefined {
    return this.sources.get(entity);
  }

  /** Notes that these entities have new events (after writing them), and wakes the relay. */
  async track(entity: EventEntity, ids: readonly Types.ObjectId[]): Promise<void> {
    await this.mark(ids.map((id) => entityKey(entity, id)));
    for (const listener of this.listeners) listener();
  }

  async mark(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const since = new Date();
    try {
      await this.markers.collection.insertMany(
        keys.map((key) => ({ _id: key, since }) as never),
        { ordered: false },
      );
    } catch (error) {
      // Already marked is fine: the relay has not got to it yet.
      if (!duplicateKeyIndexes(error)) throw error;
    }
  }

  onTracked(listener: () => void): void {
    this.listeners.push(listener);
  }
}
