import { Types } from 'mongoose';
import { OutboxEvent } from './event-factory';
import { OutboxEntity } from './outbox-entity';

/** An entity document that takes part in the outbox. */
export type OutboxFields = OutboxEntity & { _id: Types.ObjectId };

/** What the relay learns of one entity's outbox. */
export interface WaitingEvents {
  events: OutboxEvent[];
  /** Not committed yet (a pending dataset): its events wait until it is. */
  held: boolean;
  /** Deleted: the document goes once its events are out. */
  tombstone: boolean;
}

/** Events of one entity that went out (as read from its outbox) and are to be removed from it. */
export interface PublishedEvents {
  id: Types.ObjectId;
  events: readonly OutboxEvent[];
}

/**
 * The port through which the relay reads and clears the outboxes of one kind
 * of entity: implemented by the repository that owns the collection (so the
 * relay never touches another module's model), registered by an
 * outboxSource() provider in that module.
 */
export interface OutboxSource {
  /** Whether some entity's events may wait for it to be committed: if not, a `*.created` event goes out from its marker's copy alone. */
  readonly holdsBack: boolean;
  /** The waiting events of each entity that still exists, by hex id. */
  waitingEvents(ids: readonly Types.ObjectId[]): Promise<Map<string, WaitingEvents>>;
  /**
   * Removes exactly the published events from each entity's outbox, and
   * deletes a tombstone left with nothing to say: one update by `_id` each
   * (which returns what is left), side by side, and a bulk write for the
   * tombstones. The caller holds the entities' locks. Returns
   * the ids that still have events waiting (written while the others were
   * being published), with how many.
   */
  clearPublished(published: readonly PublishedEvents[]): Promise<Map<string, number>>;
  /** Every committed entity whose outbox holds events, with them: the relay's scan for markers a crash lost. */
  entitiesWithWaitingEvents(): Promise<{ id: Types.ObjectId; events: OutboxEvent[] }[]>;
}
