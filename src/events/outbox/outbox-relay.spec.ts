import { Logger } from '@nestjs/common';
import { Model, Types } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { EntityLocks, HeldLock, LockOptions } from '../../common/locks/entity-locks';
import { OutboxDocuments } from './outbox-documents';
import { RegistryEvent } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { OutboxMarker } from './outbox-marker.schema';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { RegistryMetrics } from '../../metrics/registry-metrics';
import { OutboxRelay } from './outbox-relay';
import { OutboxFields } from './outbox-source';
import { OutboxSources } from './outbox-sources';

const event = (overrides: Partial<RegistryEvent> = {}): RegistryEvent =>
  ({
    id: `event-${Math.random().toString(36).slice(2)}`,
    type: 'dataset.updated',
    entity: 'dataset',
    sequence: 1,
    ...overrides,
  }) as RegistryEvent;

/** A query chain (`.limit().lean().exec()`) that resolves to `value`. */
const query = <T>(value: () => T): Record<string, unknown> => {
  const chain: Record<string, unknown> = {};
  for (const step of ['sort', 'limit', 'lean']) chain[step] = () => chain;
  chain.exec = () => Promise.resolve(value());
  return chain;
};

type BulkOperation = { updateOne?: { filter: { _id: Types.ObjectId }; update: { $set: { outbox: RegistryEvent[] } } } } & {
  deleteOne?: { filter: { _id: Types.ObjectId | string } };
};

/** `count` datasets with events waiting, their markers, and strict collaborators around the relay. */
function setup(
  overrides: {
    count?: number;
    events?: () => RegistryEvent[];
    busy?: () => boolean;
    publishable?: boolean;
    deleted?: boolean;
    leadership?: Partial<Pick<EntityLocks, 'tryAcquire' | 'extend'>>;
  } = {},
) {
  const docs = new Map<string, OutboxFields>();
  for (let i = 0; i < (overrides.count ?? 1); i++) {
    const _id = new Types.ObjectId();
    docs.set(_id.toHexString(), { _id, rev: 2, outbox: overrides.events?.() ?? [event(), event({ sequence: 2 })] });
  }
  const [doc] = docs.values();
  const key = `dataset:${doc._id.toHexString()}`;
  const markers = new Set([...docs.keys()].map((hex) => `dataset:${hex}`));
  const published: string[] = [];
  const removed: Types.ObjectId[] = [];

  const bulkWrite = jest.fn(async (operations: BulkOperation[]) => {
    for (const { updateOne, deleteOne } of operations) {
      if (updateOne) (docs.get(updateOne.filter._id.toHexString()) as OutboxFields).outbox = updateOne.update.$set.outbox;
      if (deleteOne) removed.push(deleteOne.filter._id as Types.ObjectId);
    }
  });
  const findById = jest.fn((id: Types.ObjectId) => query(() => structuredClone(docs.get(id.toHexString()) ?? null)));
  // The scan's read: every document with events waiting.
  const find = () => query(() => [...docs.values()].filter((d) => d.outbox.length > 0).map((d) => ({ _id: d._id, outbox: [...d.outbox] })));
  const model = strictMock<Model<OutboxFields>>('datasets', { find, findById, bulkWrite } as never);
  // The datasets' source as the repository builds it, over a strict model.
  const source = new OutboxDocuments(
    model,
    () => !(overrides.publishable ?? true),
    () => overrides.deleted ?? false,
  );
  const sources = new OutboxSources();
  sources.register('dataset', source);
  const publishEvents = jest.fn(async (sent: readonly RegistryEvent[]) => {
    published.push(...sent.map((e) => e.id));
  });
  const publisher = strictMock<EventsPublisher>('publisher', { publishEvents });
  const lock = (k: string): HeldLock => ({ key: k, token: 't', expiresAt: new Date(Date.now() + 60_000) });
  const withLocks = jest.fn(async (keys: readonly string[], options: LockOptions, work: (held: HeldLock[]) => Promise<void>) => {
    expect(options).toMatchObject({ purpose: 'relay', waitMs: 2_000 });
    return work(overrides.busy?.() ? [] : keys.map(lock));
  });
  const locks = strictMock<EntityLocks>('locks', {
    tryAcquire: async (k: string) => lock(k),
    withLocks,
    release: async () => undefined,
    leaseMs: 6000,
    ...overrides.leadership,
  });
  const markersWrite = jest.fn(async (operations: BulkOperation[]) => {
    for (const { deleteOne } of operations) markers.delete(deleteOne?.filter._id as string);
  });
  // The count each marker holds, as last inserted or set (see OutboxMarkersRepository).
  const counts = new Map<string, number>();
  // Inserting a marker already there is refused, as the unique `_id` does.
  const insertMany = jest.fn(async (inserted: { _id: string; events: number }[]) => {
    const writeErrors = inserted.flatMap(({ _id }, index) => (markers.has(_id) ? [{ index, code: 11000 }] : []));
    for (const { _id, events } of inserted) {
      if (markers.has(_id)) continue;
      markers.add(_id);
      counts.set(_id, events);
    }
    if (writeErrors.length > 0) throw Object.assign(new Error('E11000'), { writeErrors });
  });
  const markerModel = strictMock<Model<OutboxMarker>>('markers', {
    collection: { insertMany },
    find: () => query(() => [...markers].map((k) => ({ _id: k }))),
    bulkWrite: markersWrite,
    updateOne: (filter: { _id: string }, update: { $set: { events: number } }) =>
      query(() => void counts.set(filter._id, update.$set.events)),
  } as never);
  const relay = new OutboxRelay(
    publisher,
    locks,
    new OutboxMarkersRepository(markerModel),
    sources,
    new RegistryMetrics({ enabled: false }),
  );
  return { relay, docs, doc, key, markers, counts, published, publishEvents, bulkWrite, findById, markersWrite, withLocks, removed };
}

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

  it('claims, publishes and clears 200 entities with one produce request, one lock claim, and bulk writes of 50 (FerretDB) to clear them and their markers', async () => {
    const { relay, docs, published, publishEvents, withLocks, bulkWrite, findById, markersWrite, markers } = setup({ count: 200 });
    const expected = [...docs.values()].flatMap((doc) => doc.outbox.map((e) => e.id));
    await relay.drain();
    expect(withLocks).toHaveBeenCalledTimes(1);
    expect(withLocks.mock.calls[0][0]).toHaveLength(200);
    expect(publishEvents).toHaveBeenCalledTimes(1);
    expect(bulkWrite.mock.calls.map(([operations]) => operations.length)).toEqual([50, 50, 50, 50]);
    expect(markersWrite.mock.calls.map(([operations]) => operations.length)).toEqual([50, 50, 50, 50]);
    expect(findById).toHaveBeenCalledTimes(400); // one bare `_id` lookup each before and under the lock, never a scan
    expect(published).toEqual(expected); // each entity's events together, in order
    expect([...docs.values()].every((doc) => doc.outbox.length === 0)).toBe(true);
    expect(markers.size).toBe(0);
  });

  it('works through a backlog larger than a batch in batches of 256 entities', async () => {
    const { relay, withLocks, publishEvents, bulkWrite, markers } = setup({ count: 600, events: () => [event()] });
    await relay.drain();
    expect(withLocks.mock.calls.map(([keys]) => keys.length)).toEqual([256, 256, 88]);
    expect(publishEvents).toHaveBeenCalledTimes(3);
    expect(bulkWrite).toHaveBeenCalledTimes(6 + 6 + 2);
    expect(markers.size).toBe(0);
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
    expect(counts).toEqual(
      new Map([
        [kept, 3],
        [lost, 3],
      ]),
    );
  });
});
