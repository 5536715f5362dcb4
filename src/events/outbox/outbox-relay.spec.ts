import { HeldLock } from '../../common/locks/entity-locks';
import { OutboxDocuments } from './outbox-documents';
import { fromBsonCopy } from '../../common/mongo/bson-copy';
import { OutboxRelay } from './outbox-relay';
import { event, failOnRelayWarnings, setupRelay as setup } from '../testing/relay-fixture';

describe(OutboxRelay.name, () => {
  const warnings = failOnRelayWarnings();

  it('stops relaying when renewing its leadership finds the lease taken by another instance', async () => {
    const tryAcquire = jest
      .fn()
      // A lease about to run out, so the next round renews it.
      .mockResolvedValueOnce({ key: 'relay', token: 'mine', expiresAt: new Date(Date.now() + 1000) })
      .mockResolvedValue(null);
    const extend = jest.fn(async (held: HeldLock) => void (held.lost = true));
    const { relay, published, doc } = setup({ events: () => [], leadership: { tryAcquire, extend } });
    await relay.drain();
    doc.outbox.push(event());
    await relay.drain();
    expect(extend).toHaveBeenCalledTimes(1);
    expect(published).toEqual([]);
  });

  it("relays on a lease as long as a lock's, renewed once a third of it has passed", async () => {
    jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate'] });
    const tryAcquire = jest.fn(async (key: string, options: { ttlMs?: number }) => ({
      key,
      token: 'mine',
      expiresAt: new Date(Date.now() + (options.ttlMs ?? 0)),
    }));
    const extend = jest.fn(async (held: HeldLock, ttlMs = 0) => void (held.expiresAt = new Date(Date.now() + ttlMs)));
    const { relay } = setup({ events: () => [], leadership: { tryAcquire, extend } });
    await relay.drain();
    expect(tryAcquire).toHaveBeenCalledWith('outbox-relay', { purpose: 'relay', ttlMs: 6000 });
    jest.setSystemTime(1900);
    await relay.drain();
    expect(extend).not.toHaveBeenCalled();
    jest.setSystemTime(2100);
    await relay.drain();
    expect(extend).toHaveBeenCalledWith(expect.objectContaining({ token: 'mine' }), 6000);
  });

  it('publishes the waiting events in order from their markers, records them as sent, then removes the markers; the outbox is cleared after', async () => {
    const { relay, doc, markers, sent, published, markerStore, sentStore } = setup();
    const ids = doc.outbox.map((e) => e.id);
    await relay.drain();
    expect(published).toEqual(ids);
    expect(markers.size).toBe(0);
    // Recorded as sent before the markers go: a crash between the two sends again, never loses.
    expect(sentStore.insertMany.mock.invocationCallOrder[0]).toBeLessThan(markerStore.deleteMany.mock.invocationCallOrder[0]);
    expect(doc.outbox).toHaveLength(2);
    await relay.clearSent();
    expect(doc.outbox).toEqual([]);
    expect(sent.size).toBe(0);
  });

  it('reads the entity of a `*.created` event first where events may be held back, and holds it while pending', async () => {
    const { relay, published, findById, markers } = setup({ events: () => [event({ type: 'dataset.created' })], publishable: false });
    await relay.drain();
    expect(findById).toHaveBeenCalledTimes(1);
    expect(published).toEqual([]);
    expect(markers.size).toBe(1);
  });

  it('sends a `*.created` event from its copy alone, without reading or writing its entity, where nothing is held back', async () => {
    const { relay, docs, published, findById, updateMany, withLocks, markers } = setup({
      count: 200,
      events: () => [event({ type: 'dataset.created' })],
      holdsBack: false,
    });
    const expected = [...docs.values()].map((doc) => doc.outbox[0].id);
    await relay.drain();
    expect(published).toEqual(expected);
    expect(findById).not.toHaveBeenCalled();
    expect(updateMany).not.toHaveBeenCalled();
    expect(withLocks).not.toHaveBeenCalled();
    expect(markers.size).toBe(0);
  });

  it('sends 3,000 events in batches of about 1,024, one produce request per 500, one insert each recording them, one delete each for their markers', async () => {
    const { relay, publishEvents, sentStore, markerStore, markers, sent } = setup({
      count: 3000,
      events: () => [event({ type: 'dataset.created' })],
      holdsBack: false,
    });
    await relay.drain();
    expect(publishEvents.mock.calls.map(([events]) => events.length)).toEqual([500, 500, 24, 500, 500, 24, 500, 452]);
    expect(sentStore.insertMany.mock.calls.map(([docs]) => docs.length)).toEqual([1024, 1024, 952]);
    expect(markerStore.deleteMany.mock.calls.map(([filter]) => filter._id.$in.length)).toEqual([1024, 1024, 952]);
    expect(markers.size).toBe(0);
    expect(sent.size).toBe(3000);
  });

  it("keeps an entity's markers in one batch, so its events go out together and in order", async () => {
    const { relay, docs, published, publishEvents } = setup({
      count: 400,
      events: () => [event({ type: 'dataset.created' }), event({ sequence: 2 }), event({ sequence: 3 })],
    });
    const expected = [...docs.values()].flatMap((doc) => doc.outbox.map((e) => e.id));
    await relay.drain();
    expect(published).toEqual(expected);
    // 341 entities (1,023 events) in the first batch, not 341⅓.
    expect(publishEvents.mock.calls.slice(0, 3).flatMap(([events]) => events).length).toBe(1023);
  });

  it('sends an event a crash left unmarked before the later one marked, reading the outbox: an entity keeps its order', async () => {
    const { relay, doc, markers, published, sent } = setup({ events: () => [] });
    await relay.drain(); // the first round's scan found nothing lost; the next is a minute away
    const entityId = doc._id.toHexString();
    const [lost, later] = [event({ entityId }), event({ sequence: 2, entityId })];
    doc.outbox.push(lost, later);
    // The writer of `lost` died between its write and its marker; `later` was marked.
    markers.set(later.id, { _id: later.id, key: `dataset:${entityId}`, since: new Date(), event: later });
    await relay.drain();
    expect(published).toEqual([lost.id, later.id]);
    expect([...sent.keys()]).toEqual([lost.id, later.id]);
  });

  it('does not send again an earlier event recorded as sent and still in the outbox (not cleared yet)', async () => {
    const { relay, doc, markers, published } = setup();
    await relay.drain();
    const written = event({ sequence: 3, entityId: doc._id.toHexString() });
    doc.outbox.push(written);
    markers.set(written.id, { _id: written.id, key: `dataset:${written.entityId}`, since: new Date(), event: written });
    await relay.drain();
    expect(published).toEqual([...doc.outbox.slice(0, 2).map((e) => e.id), written.id]);
  });

  it('sends the whole outbox of an entity marked by an older version (one marker, no copies), but what was sent already', async () => {
    const { relay, doc, key, markers, published, sent } = setup({ marked: 'whole' });
    const [first, second] = doc.outbox;
    sent.set(first.id, { _id: first.id, key, at: new Date(), event: first });
    await relay.drain();
    expect(published).toEqual([second.id]);
    expect(markers.size).toBe(0);
  });

  it('stops the round at a record that fails: the batch sent keeps its markers and goes out again next round', async () => {
    const { relay, published, markers, sentStore } = setup({ count: 300, events: () => [event({ type: 'dataset.created' })] });
    sentStore.insertMany.mockRejectedValueOnce(new Error('store away'));
    await relay.drain();
    expect(warnings()).toHaveBeenCalledWith('outbox round failed: store away');
    warnings().mockClear();
    expect(published).toHaveLength(300);
    expect(markers.size).toBe(300);
    await relay.drain();
    expect(published).toHaveLength(600); // at least once: all of them again
    expect(markers.size).toBe(0);
  });

  it('sends again a batch whose markers a crash kept after it was recorded, and records it once', async () => {
    const { relay, doc, markers, sent, published, markerStore } = setup();
    markerStore.deleteMany.mockImplementationOnce(() => ({ exec: () => Promise.reject(new Error('killed')) }));
    await relay.drain();
    expect(warnings()).toHaveBeenCalledWith('outbox round failed: killed');
    warnings().mockClear();
    expect(markers.size).toBe(2);
    await relay.drain();
    const ids = doc.outbox.map((e) => e.id);
    expect(published).toEqual([...ids, ...ids]);
    expect([...sent.keys()]).toEqual(ids);
    expect(markers.size).toBe(0);
  });

  it('removes by id the sent events a pull did not match (a store that compares them differently), under the lock', async () => {
    const { relay, doc, updateMany, bulkWrite, sent } = setup();
    updateMany.mockImplementation(() => ({ exec: async () => undefined }));
    await relay.drain();
    await relay.clearSent();
    expect(bulkWrite).toHaveBeenCalledWith(
      [{ updateOne: { filter: { _id: doc._id }, update: { $set: { outbox: [] } }, timestamps: false } }],
      {
        ordered: false,
      },
    );
    expect(doc.outbox).toEqual([]);
    expect(sent.size).toBe(0);
  });

  it('clears a batch of outboxes with one updateMany and one read, not a write per entity', async () => {
    const { relay, docs, updateMany, sent } = setup({ count: 100 });
    await relay.drain();
    await relay.clearSent();
    expect([...docs.values()].every((doc) => doc.outbox.length === 0)).toBe(true);
    expect(sent.size).toBe(0);
    // A clear batch is 64 sent events under their entities' locks: two events each, 32 entities a write.
    expect(updateMany.mock.calls.map(([filter]) => (filter as { _id: { $in: unknown[] } })._id.$in.length)).toEqual([32, 32, 32, 4]);
  });

  it('clears only the events sent, not one written meanwhile (which keeps its marker)', async () => {
    const { relay, doc, markers, published, publishEvents } = setup();
    const meanwhile = event({ sequence: 3, entityId: doc._id.toHexString() });
    publishEvents.mockImplementationOnce(async (events) => {
      published.push(...events.map((e) => e.id));
      doc.outbox = [...doc.outbox, meanwhile]; // a writer commits while the relay is sending
      markers.set(meanwhile.id, { _id: meanwhile.id, key: `dataset:${meanwhile.entityId}`, since: new Date(), event: meanwhile });
    });
    await relay.drain();
    await relay.clearSent();
    expect(published).toHaveLength(2);
    expect(doc.outbox).toEqual([meanwhile]);
    expect([...markers.keys()]).toEqual([meanwhile.id]);
  });

  it('leaves the outbox of an entity busy with a writer for a later clear', async () => {
    let busy = true;
    const { relay, doc, sent } = setup({ busy: () => busy });
    await relay.drain();
    await relay.clearSent();
    expect(doc.outbox).toHaveLength(2);
    expect(sent.size).toBe(2);
    busy = false;
    await relay.clearSent();
    expect(doc.outbox).toEqual([]);
    expect(sent.size).toBe(0);
  });

  it('keeps the markers, records nothing and backs off when a send fails', async () => {
    const { relay, doc, markers, sent, publishEvents } = setup();
    publishEvents.mockRejectedValueOnce(new Error('broker down'));
    await relay.drain();
    expect(sent.size).toBe(0);
    expect(doc.outbox).toHaveLength(2);
    expect(markers.size).toBe(2);
  });

  it('deletes a tombstone once its last events are out and cleared', async () => {
    const { relay, doc, markers, published, removed } = setup({ deleted: true });
    await relay.drain();
    expect(published).toHaveLength(2);
    expect(markers.size).toBe(0);
    await relay.clearSent();
    expect(removed).toEqual([doc._id]);
  });

  it('holds back the events of a document not committed yet (a pending dataset)', async () => {
    const { relay, doc, markers, published, sent } = setup({ publishable: false });
    await relay.drain();
    expect(published).toEqual([]);
    expect(sent.size).toBe(0);
    expect(doc.outbox).toHaveLength(2);
    expect(markers.size).toBe(2);
  });

  it('removes the markers of an entity that no longer exists', async () => {
    const { relay, docs, markers, publishEvents } = setup();
    docs.clear();
    await relay.drain();
    expect(publishEvents).not.toHaveBeenCalled();
    expect(markers.size).toBe(0);
  });

  it('re-marks the events a crash left unmarked, dated when they happened, and leaves marked and sent ones alone', async () => {
    const { relay, docs, key, markers, sent, publishEvents } = setup({ count: 2, events: () => [event(), event(), event()] });
    const [first, second] = [...docs.values()];
    const [lost, wasSent, kept] = first.outbox;
    markers.delete(lost.id); // the writer died between its write and its marker
    markers.delete(wasSent.id);
    sent.set(wasSent.id, { _id: wasSent.id, key, at: new Date(), event: wasSent }); // sent, not cleared yet
    for (const e of second.outbox) markers.delete(e.id);
    publishEvents.mockRejectedValue(new Error('broker down')); // keep everything waiting, to look at the markers
    await relay.drain();
    expect(markers.get(lost.id)).toMatchObject({ key: `dataset:${lost.entityId}`, since: new Date(lost.occurredAt) });
    expect(fromBsonCopy(markers.get(lost.id)?.copy as Buffer)).toEqual(lost);
    expect(markers.has(wasSent.id)).toBe(false);
    expect(markers.has(kept.id)).toBe(true);
    expect(second.outbox.every((e) => markers.get(e.id)?.since.getTime() === Date.parse(e.occurredAt))).toBe(true);
  });

  it('does not re-mark the events of an entity marked whole (by an older version)', async () => {
    const { relay, markers, key, publishEvents } = setup({ marked: 'whole' });
    publishEvents.mockRejectedValue(new Error('broker down'));
    await relay.drain();
    expect([...markers.keys()]).toEqual([key]);
  });

  it('scans for lost markers at its first look, then when an instance stops beating or half an hour passed, resting to keep to 5 % of the time', async () => {
    jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate'] });
    const read = OutboxDocuments.prototype.entitiesWithWaitingEvents;
    const scans = jest.spyOn(OutboxDocuments.prototype, 'entitiesWithWaitingEvents').mockImplementation(function (this: never) {
      jest.setSystemTime(Date.now() + 10_000); // a scan that takes 10 s (FerretDB reads the whole collection)
      return read.call(this);
    });
    const { relay, stoppedBeating } = setup({ events: () => [] });
    const lookLater = async (ms: number): Promise<number> => {
      jest.setSystemTime(Date.now() + ms);
      await relay.drain();
      return scans.mock.calls.length;
    };
    expect(await lookLater(0)).toBe(1); // the first look: this instance may replace one that died
    expect(await lookLater(61_000)).toBe(1); // every instance beats: nothing to look for (it scanned every minute before)
    stoppedBeating.push('dead-instance');
    expect(await lookLater(6_000)).toBe(1); // one died, but 10 s of scanning wants 190 s of rest
    expect(await lookLater(130_000)).toBe(2); // rested: the scan for what it left
    expect(await lookLater(20 * 60_000)).toBe(2);
    expect(await lookLater(11 * 60_000)).toBe(3); // half an hour after the last: an instance that never beat may have died
  });
});
