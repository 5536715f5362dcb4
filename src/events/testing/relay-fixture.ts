/** The relay over strict collaborators and in-memory datasets and markers, for outbox-relay.spec.ts. */
import { Model, Types } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { EntityLocks, HeldLock, LockOptions } from '../../common/locks/entity-locks';
import { OutboxDocuments } from '../outbox/outbox-documents';
import { RegistryEvent } from '../contract';
import { EventsPublisher } from '../events.publisher';
import { OutboxMarker } from '../outbox/outbox-marker.schema';
import { OutboxMarkersRepository } from '../outbox/outbox-markers.repository';
import { RegistryMetrics } from '../../metrics/registry-metrics';
import { OutboxRelay } from '../outbox/outbox-relay';
import { OutboxFields } from '../outbox/outbox-source';
import { OutboxSources } from '../outbox/outbox-sources';

export const event = (overrides: Partial<RegistryEvent> = {}): RegistryEvent =>
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
export function setupRelay(
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
  // `$pullAll` as the store runs it: removes the elements equal to one given (compared whole), returns the document after.
  const findOneAndUpdate = jest.fn((filter: { _id: Types.ObjectId }, update: { $pullAll: { outbox: RegistryEvent[] } }) =>
    query(() => {
      const current = docs.get(filter._id.toHexString());
      if (!current) return null;
      const pulled = new Set(update.$pullAll.outbox.map((e) => JSON.stringify(e)));
      current.outbox = current.outbox.filter((e) => !pulled.has(JSON.stringify(e)));
      return structuredClone(current);
    }),
  );
  // The scan's read: every document with events waiting.
  const find = () => query(() => [...docs.values()].filter((d) => d.outbox.length > 0).map((d) => ({ _id: d._id, outbox: [...d.outbox] })));
  const model = strictMock<Model<OutboxFields>>('datasets', { find, findById, findOneAndUpdate, bulkWrite } as never);
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
  return {
    relay,
    docs,
    doc,
    key,
    markers,
    counts,
    published,
    publishEvents,
    bulkWrite,
    findById,
    findOneAndUpdate,
    markersWrite,
    withLocks,
    removed,
  };
}
