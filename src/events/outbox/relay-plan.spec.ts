import { OutboxRelay } from './outbox-relay';
import { event, failOnRelayWarnings, setupRelay as setup } from '../testing/relay-fixture';
import type { WaitingMarker } from './outbox-markers.repository';
import { batchesOf } from './relay-plan';

/** What a round's plan reads before it sends (relay-plan.ts), through the relay over the in-memory stores. */
describe(`${OutboxRelay.name} plan`, () => {
  failOnRelayWarnings();

  it('sends a `dataset.created` from its copy alone when its writer marked it after the write that committed the dataset', async () => {
    const { relay, docs, published, findById, markers } = setup({
      count: 200,
      events: () => [event({ type: 'dataset.created' })],
      marked: 'committed',
    });
    const expected = [...docs.values()].map((doc) => doc.outbox[0].id);
    await relay.drain();
    expect(published).toEqual(expected);
    expect(findById).not.toHaveBeenCalled();
    expect(markers.size).toBe(0);
  });

  it("still reads the entity when a later event's marker comes with the committed `*.created`, or a marker does not say committed", async () => {
    const later = setup({
      events: () => [event({ type: 'dataset.created' }), event({ sequence: 2 })],
      marked: 'committed',
      publishable: false,
    });
    await later.relay.drain();
    expect(later.findById).toHaveBeenCalledTimes(1);
    expect(later.published).toEqual([]);
    const unsaid = setup({ events: () => [event({ type: 'dataset.created' })], publishable: false });
    await unsaid.relay.drain();
    expect(unsaid.findById).toHaveBeenCalledTimes(1);
    expect(unsaid.published).toEqual([]);
  });

  it('sends the events of a batch marker in one batch and removes the marker once, after recording them all', async () => {
    const { relay, docs, published, markers, markersRepository, markerStore, sent } = setup({
      count: 40,
      events: () => [event({ type: 'dataset.created' })],
      marked: 'none',
    });
    const events = [...docs.values()].map((doc) => doc.outbox[0]);
    await markersRepository.mark(events);
    expect(markers.size).toBe(1);
    await relay.drain();
    expect(published).toEqual(events.map(({ id }) => id));
    expect(sent.size).toBe(40);
    expect(markers.size).toBe(0);
    expect(markerStore.deleteMany).toHaveBeenCalledTimes(1);
  });

  it('keeps a batch marker, and so sends its events again later, while an entity it marks is held back', async () => {
    const { relay, docs, published, markers, markersRepository } = setup({
      count: 20,
      events: () => [event({ type: 'dataset.created' })],
      marked: 'none',
      publishable: false,
    });
    const events = [...docs.values()].map((doc) => doc.outbox[0]);
    await markersRepository.mark(events);
    const [batchId] = markers.keys();
    // The first dataset's later change, marked on its own: that dataset is read, and found held back.
    const [first] = docs.values();
    const later = event({ sequence: 2, entityId: first._id.toHexString() });
    first.outbox.push(later);
    await markersRepository.mark([later]);
    await relay.drain();
    expect(published).toEqual(events.slice(1).map(({ id }) => id));
    expect([...markers.keys()].sort()).toEqual([batchId, later.id].sort());
  });
});

describe(batchesOf.name, () => {
  const marker = (key: string, markerId?: string): WaitingMarker => ({
    id: `${key}/${markerId ?? 'own'}`,
    key,
    ...(markerId ? { markerId } : {}),
  });

  it("keeps a batch marker's events in one batch, with their entities' other markers, however many", () => {
    const [x, a, b, c, laterB, y] = [
      marker('dataset:x'),
      marker('dataset:a', 'batch:1'),
      marker('dataset:b', 'batch:1'),
      marker('dataset:c', 'batch:1'),
      marker('dataset:b'),
      marker('dataset:y'),
    ];
    expect(batchesOf([x, a, b, c, laterB, y], 2)).toEqual([[x], [a, b, c, laterB], [y]]);
  });

  it('joins two batch markers that mark one entity', () => {
    const [a, b, again, d] = [
      marker('dataset:a', 'batch:1'),
      marker('dataset:b'),
      marker('dataset:a', 'batch:2'),
      marker('dataset:d', 'batch:2'),
    ];
    expect(batchesOf([a, b, again, d], 1)).toEqual([[a, again, d], [b]]);
  });
});
