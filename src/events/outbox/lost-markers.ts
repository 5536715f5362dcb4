import { entityKey } from './entity-key';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxSentRepository } from './outbox-sent.repository';
import { OutboxSources } from './outbox-sources';

/**
 * The relay's scan: re-marks the events in an outbox with neither a marker nor a record of being sent
 * (a crash between the write and its marker). Markers are read before the records, so an event sent
 * meanwhile is seen in one or the other (docs/outbox.md#crash-rules).
 */
export async function remarkLost(markers: OutboxMarkersRepository, sent: OutboxSentRepository, sources: OutboxSources): Promise<void> {
  const marked = await markers.allIds();
  const sentIds = await sent.allIds();
  for (const [entity, source] of sources.entries()) {
    const waiting = await source.entitiesWithWaitingEvents();
    const lost = waiting
      .filter(({ id }) => !marked.has(entityKey(entity, id)))
      .flatMap(({ events }) => events.filter((event) => !marked.has(event.id) && !sentIds.has(event.id)));
    await markers.markLost(lost);
  }
}
