import { OutboxRelay } from './outbox-relay';
import { event, failOnRelayWarnings, setupRelay as setup } from '../testing/relay-fixture';

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
});
