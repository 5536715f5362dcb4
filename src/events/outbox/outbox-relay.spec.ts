import { Logger } from '@nestjs/common';
import { Model, Types } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { EntityLocks, HeldLock } from '../../common/locks/entity-locks';
import { RegistryEvent } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { OutboxMarker } from './outbox-marker.schema';
import { OutboxRelay } from './outbox-relay';
import { DiscoveryService } from '@nestjs/core';
import { OutboxDocuments } from '../../common/mongo/outbox-documents';
import { OutboxMarkersRepository } from './outbox-markers.repository';
import { OutboxFields } from './outbox-source';
import { RegistryMetrics } from '../../metrics/registry-metrics';

const event = (overrides: Partial<RegistryEvent> = {}): RegistryEvent =>
  ({
    id: `event-${Math.random().toString(36).slice(2)}`,
    type: 'dataset.updated',
    entity: 'dataset',
    sequence: 1,
    ...overrides,
  }) as RegistryEvent;

/** A query chain (`.sort().limit().lean().exec()`) that resolves to `value`. */
const query = <T>(value: () => T): Record<string, unknown> => {
  const chain: Record<string, unknown> = {};
  for (const step of ['sort', 'limit', 'lean']) chain[step] = () => chain;
  chain.exec = () => Promise.resolve(value());
  return chain;
};

/** One dataset with events waiting, its marker, and strict collaborators around the relay. */
function setup(
  overrides: {
    events?: RegistryEvent[];
    acquireMany?: (keys: readonly string[]) => Promise<HeldLock[]>;
    publishable?: boolean;
    deleted?: boolean;
    leadership?: Partial<Pick<EntityLocks, 'tryAcquire' | 'extend'>>;
  } = {},
) {
  const _id = new Types.ObjectId();
  const key = `dataset:${_id.toHexString()}`;
  const doc: OutboxFields = { _id, rev: 2, outbox: overrides.events ?? [event(), event()] };
  const markers = new Set([key]);
  const published: string[] = [];
  const lock = (k: string): HeldLock => ({ key: k, token: 't', expiresAt: new Date(Date.now() + 60_000) });

  const removed: Types.ObjectId[] = [];
  const bulkWrite = jest.fn(
    async (
      operations: { updateOne?: { update: { $set: { outbox: RegistryEvent[] } } }; deleteOne?: { filter: { _id: Types.ObjectId } } }[],
    ) => {
      for (const { updateOne, deleteOne } of operations) {
        if (updateOne) doc.outbox = updateOne.update.$set.outbox;
        if (deleteOne) removed.push(deleteOne.filter._id);
      }
    },
  );
  const model = strictMock<Model<OutboxFields>>(
    {
      find: () => query(() => []),
      findById: () => query(() => structuredClone(doc)),
      bulkWrite,
    } as never,
    'datasets',
  );
  // The datasets' source as the repository builds it, over a strict model.
  const source = new OutboxDocuments(
    model,
    () => !(overrides.publishable ?? true),
    () => overrides.deleted ?? false,
  );
  const discovery = strictMock<DiscoveryService>(
    { getProviders: () => [{ instance: source }], getMetadataByDecorator: () => 'dataset' },
    'discovery',
  );
  const publishEvent = jest.fn(async (sent: RegistryEvent) => void published.push(sent.id));
  const publisher = strictMock<EventsPublisher>({ publishEvent }, 'publisher');
  const acquireMany = jest.fn(overrides.acquireMany ?? (async (keys: readonly string[]) => keys.map(lock)));
  const locks = strictMock<EntityLocks>(
    {
      tryAcquire: async (k: string) => lock(k),
      acquireMany,
      releaseMany: async () => undefined,
      release: async () => undefined,
      leaseMs: 6000,
      ...overrides.leadership,
    },
    'locks',
  );
  const deleteMany = jest.fn((filter: { _id: { $in: string[] } }) => query(() => filter._id.$in.forEach((k) => markers.delete(k))));
  const markerModel = strictMock<Model<OutboxMarker>>(
    { find: () => query(() => [...markers].map((k) => ({ _id: k }))), deleteMany } as never,
    'markers',
  );
  const relay = new OutboxRelay(
    publisher,
    locks,
    new OutboxMarkersRepository(markerModel),
    discovery,
    new RegistryMetrics({ enabled: false }),
  );
  relay.onModuleInit();
  return { relay, doc, key, markers, published, publishEvent, bulkWrite, deleteMany, acquireMany, removed };
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
    const { relay, published, doc } = setup({ events: [], leadership: { tryAcquire, extend } });
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
    const { relay } = setup({ events: [], leadership: { tryAcquire, extend } });
    await relay.drain();
    expect(tryAcquire).toHaveBeenCalledWith('outbox-relay', { purpose: 'relay', ttlMs: 6000 });
    jest.setSystemTime(1900);
    await relay.drain();
    expect(extend).not.toHaveBeenCalled();
    jest.setSystemTime(2100);
    await relay.drain();
    expect(extend).toHaveBeenCalledWith(expect.objectContaining({ token: 'mine' }), 6000);
  });

  it('publishes the waiting events in order, then clears them and the marker', async () => {
    const { relay, doc, key, markers, published, deleteMany } = setup();
    const ids = doc.outbox.map((e) => e.id);
    await relay.drain();
    expect(published).toEqual(ids);
    expect(doc.outbox).toEqual([]);
    expect(deleteMany).toHaveBeenCalledWith({ _id: { $in: [key] } });
    expect(markers.size).toBe(0);
  });

  it('clears only the events it published, not one written meanwhile (which keeps the marker)', async () => {
    const { relay, doc, markers, published, publishEvent, deleteMany } = setup();
    const meanwhile = event({ sequence: 3 });
    publishEvent.mockImplementationOnce(async (sent) => {
      published.push(sent.id);
      doc.outbox = [...doc.outbox, meanwhile]; // a writer commits while the relay is sending
    });
    await relay.drain();
    expect(published).toHaveLength(2);
    expect(published).not.toContain(meanwhile.id);
    expect(doc.outbox).toEqual([meanwhile]);
    expect(deleteMany).not.toHaveBeenCalled();
    expect(markers.size).toBe(1);
  });

  it('leaves an entity whose lock it missed, and retries it at once rather than at the next poll', async () => {
    jest.useFakeTimers();
    let busy = true;
    const { relay, doc, markers, acquireMany, bulkWrite } = setup({
      acquireMany: async (keys) => (busy ? [] : keys.map((key) => ({ key, token: 't', expiresAt: new Date(Date.now() + 60_000) }))),
    });
    relay.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect(acquireMany).toHaveBeenCalledTimes(1);
    expect(bulkWrite).not.toHaveBeenCalled();
    expect(doc.outbox).toHaveLength(2);
    expect(markers.size).toBe(1);

    busy = false;
    await jest.advanceTimersByTimeAsync(10); // well before the 1 s poll
    expect(doc.outbox).toEqual([]);
    expect(markers.size).toBe(0);
    await relay.onApplicationShutdown();
  });

  it('keeps the marker and backs off when a send fails', async () => {
    const { relay, doc, markers, publishEvent, bulkWrite } = setup();
    publishEvent.mockRejectedValueOnce(new Error('broker down'));
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
    const { relay, doc, markers, publishEvent, bulkWrite } = setup({ publishable: false });
    await relay.drain();
    expect(publishEvent).not.toHaveBeenCalled();
    expect(bulkWrite).not.toHaveBeenCalled();
    expect(doc.outbox).toHaveLength(2);
    expect(markers.size).toBe(1);
  });
});
