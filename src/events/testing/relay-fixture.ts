/** The relay over strict collaborators and in-memory datasets, markers and sent records, for the relay's specs. */
import { Logger } from '@nestjs/common';
import { Model, Types } from 'mongoose';
import { cursorOver, findInVia } from '../../common/testing/mongoose-mocks';
import { strictMock } from '../../common/testing/strict-mock';
import { EntityLocks, HeldLock, LockOptions } from '../../common/locks/entity-locks';
import { OutboxDocuments } from '../outbox/outbox-documents';
import { RegistryEvent } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { OutboxMarker, OutboxSent } from '../outbox/outbox-marker.schema';
import { keyOf, OutboxMarkersRepository } from '../outbox/outbox-markers.repository';
import { OutboxSentRepository } from '../outbox/outbox-sent.repository';
import { RegistryMetrics } from '../../metrics/registry-metrics';
import { OutboxRelay } from '../outbox/outbox-relay';
import { OutboxFields } from '../outbox/outbox-source';
import { OutboxSources } from '../outbox/outbox-sources';
import { LostMarkerScans } from '../outbox/lost-markers';
import { RelayBeatsRepository } from '../outbox/relay-beats.repository';

let clock = Date.parse('2026-01-01T00:00:00Z');

/** An event of a dataset (set `entityId` to tie it to one), each a millisecond after the last. */
export const event = (overrides: Partial<RegistryEvent> = {}): RegistryEvent =>
  ({
    id: `event-${Math.random().toString(36).slice(2)}`,
    type: 'dataset.updated',
    entity: 'dataset',
    sequence: 1,
    occurredAt: new Date(clock++).toISOString(),
    ...overrides,
  }) as RegistryEvent;

/** A query chain (`.sort().limit().lean().exec()`) that resolves to `value`, cut at the limit given. */
const query = <T>(value: () => T): Record<string, unknown> => {
  let limit = Infinity;
  const chain: Record<string, unknown> = {};
  for (const step of ['sort', 'lean']) chain[step] = () => chain;
  chain.limit = (n: number) => ((limit = n), chain);
  chain.exec = () => {
    const result = value();
    return Promise.resolve(Array.isArray(result) ? result.slice(0, limit) : result);
  };
  chain.cursor = () => cursorOver(chain.exec as () => Promise<unknown>);
  return chain;
};

type BulkOperation = { updateOne?: { filter: { _id: Types.ObjectId }; update: { $set: { outbox: RegistryEvent[] } } } } & {
  deleteOne?: { filter: { _id: Types.ObjectId | string } };
};

/** A collection keyed by `_id` that refuses an `_id` it holds, as a unique index does. */
function keyedCollection<T extends { _id: string }>(docs: Map<string, T>, order: (doc: T) => number) {
  const insertMany = jest.fn(async (inserted: T[]) => {
    const writeErrors = inserted.flatMap(({ _id }, index) => (docs.has(_id) ? [{ index, code: 11000 }] : []));
    for (const doc of inserted) if (!docs.has(doc._id)) docs.set(doc._id, structuredClone(doc));
    if (writeErrors.length > 0) throw Object.assign(new Error('E11000'), { writeErrors });
  });
  const deleteMany = jest.fn((filter: { _id: { $in: string[] } }) => ({
    exec: async () => {
      for (const id of filter._id.$in) docs.delete(id);
    },
  }));
  const findById = jest.fn((id: string) => query(() => (docs.has(id) ? { _id: id } : null)));
  const find = findInVia(findById, () =>
    query(() => [...docs.values()].sort((a, b) => order(a) - order(b)).map((doc) => structuredClone(doc))),
  );
  return { insertMany, deleteMany, find, findById };
}

/**
 * `count` datasets with events waiting (two updates each unless `events` says), marked as their
 * writers mark them (`marked`: a marker with a copy per event; `committed`: the same, saying the
 * entity's write committed it, as Outbox.track writes them; `whole`: one marker per entity, as an
 * older version wrote; `none`: a crash lost them), and strict collaborators around the relay.
 */
export function setupRelay(
  overrides: {
    count?: number;
    events?: () => RegistryEvent[];
    marked?: 'copies' | 'committed' | 'whole' | 'none';
    busy?: () => boolean;
    publishable?: boolean;
    /** false: the source never holds events back (as users), so a `*.created` goes out from its copy. */
    holdsBack?: boolean;
    deleted?: boolean;
    leadership?: Partial<Pick<EntityLocks, 'tryAcquire' | 'extend'>>;
  } = {},
) {
  const docs = new Map<string, OutboxFields>();
  const markers = new Map<string, OutboxMarker>();
  const sent = new Map<string, OutboxSent>();
  for (let i = 0; i < (overrides.count ?? 1); i++) {
    const _id = new Types.ObjectId();
    const events = (overrides.events?.() ?? [event(), event({ sequence: 2 })]).map((e) => ({ ...e, entityId: _id.toHexString() }));
    docs.set(_id.toHexString(), { _id, rev: 2, outbox: events });
    const since = new Date(clock++);
    if (overrides.marked === 'whole') markers.set(`dataset:${_id.toHexString()}`, { _id: `dataset:${_id.toHexString()}`, since });
    else if (overrides.marked !== 'none') {
      const committed = overrides.marked === 'committed' ? { committed: true } : {};
      for (const e of events) markers.set(e.id, { _id: e.id, key: keyOf(e), since, event: e, ...committed });
    }
  }
  const [doc] = docs.values();
  const key = doc ? `dataset:${doc._id.toHexString()}` : '';
  const published: string[] = [];
  const removed: Types.ObjectId[] = [];

  const bulkWrite = jest.fn(async (operations: BulkOperation[]) => {
    for (const { updateOne, deleteOne } of operations) {
      if (updateOne) (docs.get(updateOne.filter._id.toHexString()) as OutboxFields).outbox = updateOne.update.$set.outbox;
      if (deleteOne) removed.push(deleteOne.filter._id as Types.ObjectId);
    }
  });
  // A copy as the store returns it: its `_id` still an ObjectId (structuredClone makes a plain object of one).
  const findById = jest.fn((id: Types.ObjectId) =>
    query(() => {
      const doc = docs.get(id.toHexString());
      return doc ? { ...structuredClone(doc), _id: doc._id } : null;
    }),
  );
  // `$pullAll` as the store runs it on each document of the filter: removes the elements equal to one given (compared whole).
  const updateMany = jest.fn((filter: { _id: { $in: Types.ObjectId[] } }, update: { $pullAll: { outbox: RegistryEvent[] } }) => ({
    exec: async () => {
      const pulled = new Set(update.$pullAll.outbox.map((e) => JSON.stringify(e)));
      for (const id of filter._id.$in) {
        const current = docs.get(id.toHexString());
        if (current) current.outbox = current.outbox.filter((e) => !pulled.has(JSON.stringify(e)));
      }
    },
  }));
  // The scan's read: every document with events waiting.
  const find = findInVia(findById, () =>
    query(() => [...docs.values()].filter((d) => d.outbox.length > 0).map((d) => ({ ...d, outbox: [...d.outbox] }))),
  );
  const model = strictMock<Model<OutboxFields>>('datasets', { find, findById, updateMany, bulkWrite } as never);
  // The datasets' source as the repository builds it, over a strict model.
  const source = new OutboxDocuments(
    model,
    overrides.holdsBack === false ? null : () => !(overrides.publishable ?? true),
    () => overrides.deleted ?? false,
  );
  const sources = new OutboxSources();
  sources.register('dataset', source);
  const publishEvents = jest.fn(async (events: readonly RegistryEvent[]) => {
    published.push(...events.map((e) => e.id));
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
  const markerStore = keyedCollection(markers, (m) => m.since.getTime());
  const markerModel = strictMock<Model<OutboxMarker>>('markers', {
    collection: { insertMany: markerStore.insertMany },
    find: markerStore.find,
    deleteMany: markerStore.deleteMany,
  } as never);
  const sentStore = keyedCollection(sent, (s) => s.at.getTime());
  const sentModel = strictMock<Model<OutboxSent>>('sent', {
    collection: { insertMany: sentStore.insertMany },
    find: sentStore.find,
    deleteMany: sentStore.deleteMany,
    estimatedDocumentCount: () => ({ exec: async () => sent.size }),
  } as never);
  const sentRepository = new OutboxSentRepository(sentModel);
  const markersRepository = new OutboxMarkersRepository(markerModel);
  // Instances whose beat stopped, as the next look reads them (then gone, as takeStale removes them).
  const stoppedBeating: string[] = [];
  const beats = strictMock<RelayBeatsRepository>('RelayBeatsRepository', { takeStale: jest.fn(async () => stoppedBeating.splice(0)) });
  const lostScans = new LostMarkerScans(markersRepository, sentRepository, sources, beats);
  const relay = new OutboxRelay(
    publisher,
    locks,
    markersRepository,
    sentRepository,
    sources,
    new RegistryMetrics({ enabled: false }),
    lostScans,
  );
  return {
    relay,
    stoppedBeating,
    docs,
    doc,
    key,
    markers,
    sent,
    published,
    publishEvents,
    bulkWrite,
    find,
    findById,
    updateMany,
    markerStore,
    // What writers mark through (Outbox.track), over the same markers.
    markersRepository,
    sentStore,
    withLocks,
    removed,
    // What the relay's SentClearing is built from.
    locks,
    sentRepository,
    sources,
  };
}

/**
 * The relay swallows and logs a failed round or clear: each test of the calling suite fails on a warning it did not expect
 * (one that does expects it, then clears the spy returned). With `fakeTimers`, each test starts at time 0.
 */
export function failOnRelayWarnings({ fakeTimers = false } = {}): () => jest.SpyInstance {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    if (fakeTimers) jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate'] });
  });
  afterEach(() => {
    expect(warn).not.toHaveBeenCalled();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });
  return () => warn;
}
