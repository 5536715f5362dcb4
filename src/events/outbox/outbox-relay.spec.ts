import { Logger } from '@nestjs/common';
import { HeldLock } from '../../common/locks/entity-locks';
import { OutboxDocuments } from './outbox-documents';
import { OutboxRelay } from './outbox-relay';
import { event, setupRelay as setup } from '../testing/relay-fixture';

describe(OutboxRelay.name, () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    // The relay swallows and logs a failed round: an unexpected call shows up here.
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => {
    expect(warn).not.toHaveBeenCalled();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

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

  it('publishes the waiting events in order, then clears them under the entity lock and the marker', async () => {
    const { relay, doc, key, markers, published, markersWrite } = setup();
    const ids = doc.outbox.map((e) => e.id);
    await relay.drain();
    expect(published).toEqual(ids);
    expect(doc.outbox).toEqual([]);
    expect(markersWrite).toHaveBeenCalledWith([{ deleteOne: { filter: { _id: key } } }], { ordered: false });
    expect(markers.size).toBe(0);
  });

  it('claims, publishes and clears 200 entities with one produce request, one lock claim, one bare `_id` read and one update each, and bulk writes of 50 (FerretDB) for their markers', async () => {
    const { relay, docs, published, publishEvents, withLocks, bulkWrite, findById, findOneAndUpdate, markersWrite, markers } = setup({
      count: 200,
    });
    const expected = [...docs.values()].flatMap((doc) => doc.outbox.map((e) => e.id));
    await relay.drain();
    expect(withLocks).toHaveBeenCalledTimes(1);
    expect(withLocks.mock.calls[0][0]).toHaveLength(200);
    expect(publishEvents).toHaveBeenCalledTimes(1);
    expect(findById).toHaveBeenCalledTimes(200); // one bare `_id` lookup each before the lock, never a scan
    expect(findOneAndUpdate).toHaveBeenCalledTimes(200); // under the lock: the sent events pulled, what is left returned
    expect(findOneAndUpdate.mock.calls.every(([filter]) => Object.keys(filter).join() === '_id')).toBe(true);
    expect(bulkWrite).not.toHaveBeenCalled(); // nothing to fix up: no tombstone, no event the pull missed
    expect(markersWrite.mock.calls.map(([operations]) => operations.length)).toEqual([50, 50, 50, 50]);
    expect(published).toEqual(expected); // each entity's events together, in order
    expect([...docs.values()].every((doc) => doc.outbox.length === 0)).toBe(true);
    expect(markers.size).toBe(0);
  });

  it('works through a backlog larger than a batch in batches of 256 entities', async () => {
    const { relay, withLocks, publishEvents, findOneAndUpdate, markers } = setup({ count: 600, events: () => [event()] });
    await relay.drain();
    expect(withLocks.mock.calls.map(([keys]) => keys.length)).toEqual([256, 256, 88]);
    expect(publishEvents).toHaveBeenCalledTimes(3);
    expect(findOneAndUpdate).toHaveBeenCalledTimes(600);
    expect(markers.size).toBe(0);
  });

  it('reads and publishes the next batch while the last one is cleared, one clear at a time, in the order of the markers', async () => {
    const { relay, docs, published, publishEvents, withLocks, markers } = setup({ count: 600, events: () => [event()] });
    const expected = [...docs.values()].flatMap((doc) => doc.outbox.map((e) => e.id));
    const steps: string[] = [];
    let clearing = 0;
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const withLocksAsSetUp = withLocks.getMockImplementation() as NonNullable<ReturnType<typeof withLocks.getMockImplementation>>;
    withLocks.mockImplementation(async (keys, options, work) => {
      const batch = withLocks.mock.calls.length;
      expect(clearing).toBe(0);
      clearing++;
      steps.push(`clear ${batch}`);
      if (batch === 1) await firstHeld; // the first clear is slow: the second batch goes out meanwhile
      try {
        return await withLocksAsSetUp(keys, options, work);
      } finally {
        clearing--;
        steps.push(`cleared ${batch}`);
      }
    });
    publishEvents.mockImplementation(async (sent) => {
      steps.push(`publish ${publishEvents.mock.calls.length}`);
      published.push(...sent.map((e) => e.id));
      if (publishEvents.mock.calls.length === 2) releaseFirst();
    });
    await relay.drain();
    expect(steps).toEqual(['publish 1', 'clear 1', 'publish 2', 'cleared 1', 'clear 2', 'publish 3', 'cleared 2', 'clear 3', 'cleared 3']);
    expect(published).toEqual(expected);
    expect(markers.size).toBe(0);
  });

  it('stops the round at a clear that fails: the batch sent meanwhile keeps its markers and goes out again next round', async () => {
    const { relay, docs, published, withLocks, markers } = setup({ count: 300, events: () => [event()] });
    const withLocksAsSetUp = withLocks.getMockImplementation() as NonNullable<ReturnType<typeof withLocks.getMockImplementation>>;
    withLocks.mockRejectedValueOnce(new Error('store away'));
    await relay.drain();
    expect(warn).toHaveBeenCalledWith('outbox round failed: store away');
    warn.mockClear();
    expect(published).toHaveLength(300); // both batches went out: the second while the first was (not) cleared
    expect(withLocks).toHaveBeenCalledTimes(1); // nothing cleared after the failure
    expect(markers.size).toBe(300);
    withLocks.mockImplementation(withLocksAsSetUp);
    await relay.drain();
    expect(published).toHaveLength(600); // at least once: all of them again
    expect([...docs.values()].every((doc) => doc.outbox.length === 0)).toBe(true);
    expect(markers.size).toBe(0);
  });

  it('removes by id the sent events a pull did not match (a store that compares them differently), and sends them once', async () => {
    const { relay, doc, published, findOneAndUpdate, bulkWrite, markers } = setup();
    findOneAndUpdate.mockImplementation((filter) => ({
      lean: () => ({ exec: async () => structuredClone(doc._id.equals(filter._id) ? doc : null) }),
    }));
    const ids = doc.outbox.map((e) => e.id);
    await relay.drain();
    expect(bulkWrite).toHaveBeenCalledWith(
      [{ updateOne: { filter: { _id: doc._id }, update: { $set: { outbox: [] } }, timestamps: false } }],
      {
        ordered: false,
      },
    );
    expect(doc.outbox).toEqual([]);
    expect(markers.size).toBe(0);
    await relay.drain();
    expect(published).toEqual(ids);
  });

  it('clears only the events it published, not one written meanwhile (which keeps the marker)', async () => {
    const { relay, doc, markers, published, publishEvents, markersWrite } = setup();
    const meanwhile = event({ sequence: 3 });
    publishEvents.mockImplementationOnce(async (sent) => {
      published.push(...sent.map((e) => e.id));
      doc.outbox = [...doc.outbox, meanwhile]; // a writer commits while the relay is sending
    });
    await relay.drain();
    expect(published).toHaveLength(2);
    expect(published).not.toContain(meanwhile.id);
    expect(doc.outbox).toEqual([meanwhile]);
    expect(markersWrite).not.toHaveBeenCalled();
    expect(markers.size).toBe(1);
  });

  it('leaves an entity busy with a writer, and retries it soon rather than at the next poll', async () => {
    jest.useFakeTimers();
    let busy = true;
    const { relay, doc, markers, withLocks, bulkWrite } = setup({ busy: () => busy });
    relay.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect(withLocks).toHaveBeenCalledTimes(1);
    expect(bulkWrite).not.toHaveBeenCalled();
    expect(doc.outbox).toHaveLength(2);
    expect(markers.size).toBe(1);

    busy = false;
    await jest.advanceTimersByTimeAsync(100); // well before the 1 s poll
    expect(doc.outbox).toEqual([]);
    expect(markers.size).toBe(0);
    await relay.onApplicationShutdown();
  });

  it('keeps the outboxes and markers and backs off when a send fails', async () => {
    const { relay, doc, markers, publishEvents, bulkWrite } = setup();
    publishEvents.mockRejectedValueOnce(new Error('broker down'));
    await relay.drain();
    expect(bulkWrite).not.toHaveBeenCalled();
    expect(doc.outbox).toHaveLength(2);
    expect(markers.size).toBe(1);
  });

  it('deletes a tombstone once its last events are out', async () => {
    const { relay, doc, markers, published, removed } = setup({ deleted: true });
    await relay.drain();
    expect(published).toHaveLength(2);
    expect(removed).toEqual([doc._id]);
    expect(markers.size).toBe(0);
  });

  it('holds back the events of a document not committed yet (a pending dataset)', async () => {
    const { relay, doc, markers, published, bulkWrite } = setup({ publishable: false });
    await relay.drain();
    expect(published).toEqual([]);
    expect(bulkWrite).not.toHaveBeenCalled();
    expect(doc.outbox).toHaveLength(2);
    expect(markers.size).toBe(1);
  });

  it('removes the marker of an entity that no longer exists', async () => {
    const { relay, docs, markers, publishEvents } = setup();
    docs.clear();
    await relay.drain();
    expect(publishEvents).not.toHaveBeenCalled();
    expect(markers.size).toBe(0);
  });

  it('counts exactly what is left on the marker of an entity written to while its events were sent', async () => {
    const { relay, doc, key, counts, published, publishEvents, markers } = setup();
    publishEvents.mockImplementationOnce(async (sent) => {
      published.push(...sent.map((e) => e.id));
      doc.outbox = [...doc.outbox, event({ sequence: 3 }), event({ sequence: 4 })]; // two writes commit meanwhile
    });
    await relay.drain();
    expect(doc.outbox).toHaveLength(2);
    expect(markers.has(key)).toBe(true);
    expect(counts.get(key)).toBe(2);
  });

  it("re-marks an entity whose marker a crash lost, counting its outbox's events, and leaves existing markers' counts alone", async () => {
    const { relay, docs, markers, counts, publishEvents } = setup({ count: 2, events: () => [event(), event(), event()] });
    const [lost, kept] = [...markers];
    markers.delete(lost); // the writer died between its write and its marker
    counts.set(kept, 3);
    publishEvents.mockRejectedValue(new Error('broker down')); // keep everything waiting, to look at the markers
    await relay.drain();
    expect(docs.size).toBe(2);
    expect(markers).toEqual(new Set([lost, kept]));
    expect([...counts]).toEqual([
      [kept, 3],
      [lost, 3],
    ]);
  });

  it('scans for lost markers at most every minute, and after a slow scan rests so scanning keeps to 5 % of the time', async () => {
    jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate'] });
    const read = OutboxDocuments.prototype.entitiesWithWaitingEvents;
    const scans = jest.spyOn(OutboxDocuments.prototype, 'entitiesWithWaitingEvents').mockImplementation(function (this: never) {
      jest.setSystemTime(Date.now() + 10_000); // a scan that takes 10 s (FerretDB reads the whole collection)
      return read.call(this);
    });
    const { relay } = setup({ events: () => [] });
    await relay.drain();
    jest.setSystemTime(Date.now() + 61_000); // a minute later: 10 s of scanning wants 190 s of rest
    await relay.drain();
    jest.setSystemTime(Date.now() + 130_000);
    await relay.drain();
    expect(scans).toHaveBeenCalledTimes(2);
  });
});
