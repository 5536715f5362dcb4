import { OutboxRelay } from './outbox-relay';
import { OutboxSent } from './outbox-marker.schema';
import { OutboxDocuments } from './outbox-documents';
import { event, failOnRelayWarnings, setupRelay as setup } from '../testing/relay-fixture';

describe(`${OutboxRelay.name} rounds`, () => {
  failOnRelayWarnings({ fakeTimers: true });

  it("sends a new event while the last round's record is still written, without sending that round's events again", async () => {
    const { relay, doc, key, markers, sent, published, sentStore } = setup();
    const [first, second] = doc.outbox;
    let finishRecord = (): void => undefined;
    const record = sentStore.insertMany.getMockImplementation() as (docs: OutboxSent[]) => Promise<void>;
    sentStore.insertMany.mockImplementationOnce(
      (docs) => new Promise<void>((resolve) => (finishRecord = () => void record(docs).then(resolve))),
    );
    relay.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect(published).toEqual([first.id, second.id]);
    expect(sent.size).toBe(0); // the record is still being written

    // A writer adds an event meanwhile: it goes out now, and the outbox read does not send the two again.
    const third = event({ sequence: 3, entityId: doc._id.toHexString() });
    doc.outbox.push(third);
    markers.set(third.id, { _id: third.id, key, since: new Date(), event: third });
    relay.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(published).toEqual([first.id, second.id, third.id]);

    finishRecord();
    await jest.advanceTimersByTimeAsync(0);
    await relay.onApplicationShutdown();
    expect([...sent.keys()].sort()).toEqual([first.id, second.id, third.id].sort());
    expect(markers.size).toBe(0);
  });

  it('sends while its scan for lost markers still reads the outboxes (on FerretDB, whole collections)', async () => {
    let finishScan = (): void => undefined;
    const read = OutboxDocuments.prototype.entitiesWithWaitingEvents;
    jest.spyOn(OutboxDocuments.prototype, 'entitiesWithWaitingEvents').mockImplementationOnce(function (this: never) {
      return new Promise((resolve) => (finishScan = () => resolve(read.call(this))));
    });
    const { relay, doc, published, markers } = setup();
    const ids = doc.outbox.map((e) => e.id);
    relay.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect(published).toEqual(ids);
    expect(markers.size).toBe(0);
    finishScan();
    await relay.onApplicationShutdown();
    // Sent and recorded meanwhile: nothing for the scan to re-mark.
    expect(markers.size).toBe(0);
  });
});
