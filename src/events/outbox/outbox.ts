import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { entityKey } from './entity-key';
import { EventEntity } from '../contract';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxRelay } from './outbox-relay';

/**
 * The transactional outbox, without transactions: every change of a user or
 * dataset is written together with its event — in the same single-document
 * write, into the document's `outbox` array — so a change never commits
 * without its event, whatever happens to the broker or the process. After
 * such a write its writer calls track(); the OutboxRelay publishes the events
 * and then removes them.
 */
@Injectable()
export class Outbox {
  constructor(
    private readonly markers: OutboxMarkersRepository,
    private readonly relay: OutboxRelay,
  ) {}

  /** Notes that these entities have new events (after writing them), and wakes the relay. */
  async track(entity: EventEntity, ids: readonly Types.ObjectId[]): Promise<void> {
    await this.markers.mark(ids.map((id) => entityKey(entity, id)));
    this.relay.wake();
  }
}
