import { Model, mongo } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { queryResult } from '../../common/testing/mongoose-mocks';
import { EntityKey } from './entity-key';
import { OutboxEvent } from './event-factory';
import { OutboxMarker } from './outbox-marker.schema';
import { BATCH_FROM, OutboxMarkersRepository } from './outbox-markers.repository';
import { fromBsonCopy } from '../../common/mongo/bson-copy';

const A: EntityKey = 'dataset:6650c0ffee0000000000a001';
const B: EntityKey = 'dataset:6650c0ffee0000000000a002';
const C: EntityKey = 'user:6650c0ffee0000000000a003';

/** A markers collection in memory, behind a strict model with the calls the repository makes. */
function setup(stored: Partial<OutboxMarker>[] = []) {
  const markers = new Map(stored.map((marker) => [marker._id as string, { since: new Date(0), ...marker } as OutboxMarker]));
  const insertMany = jest.fn(async (docs: OutboxMarker[]) => {
    const writeErrors = docs.flatMap((doc, index) => (markers.has(doc._id) ? [{ index, code: 11000 }] : []));
    for (const doc of docs) if (!markers.has(doc._id)) markers.set(doc._id, doc);
    if (writeErrors.length > 0) throw Object.assign(new Error('E11000'), { writeErrors });
  });
  const deleteMany = jest.fn((filter: { _id: { $in: string[] } }) => {
    for (const id of filter._id.$in) markers.delete(id);
    return queryResult({ deletedCount: filter._id.$in.length });
  });
  // What `$group` by key with `$sum: 1` answers: one document per key, with its markers counted.
  const aggregate = jest.fn(() => {
    const byKey = new Map<string | undefined, number>();
    for (const { key } of markers.values()) byKey.set(key, (byKey.get(key) ?? 0) + 1);
    return queryResult([...byKey].map(([_id, events]) => ({ _id, events })));
  });
  const findOne = jest.fn(() => queryResult([...markers.values()].sort((a, b) => a.since.getTime() - b.since.getTime())[0] ?? null));
  // Oldest first, each copy read back as the driver reads binary values.
  const find = jest.fn(() =>
    queryResult(
      [...markers.values()]
        .sort((a, b) => a.since.getTime() - b.since.getTime())
        .map((marker) => (marker.copy ? { ...marker, copy: new mongo.Binary(marker.copy) } : marker)),
    ),
  );
  const model = strictMock<Model<OutboxMarker>>('markers', {
    find,
    collection: { insertMany },
    deleteMany,
    aggregate,
    findOne,
  } as never);
  return { repository: new OutboxMarkersRepository(model), markers, insertMany, deleteMany };
}

const written = (key: EntityKey, occurredAt = '2026-01-01T00:00:00.000Z'): OutboxEvent => {
  const [entity, entityId] = key.split(':');
  return { id: `event-${Math.random().toString(36).slice(2)}`, entity, entityId, occurredAt } as OutboxEvent;
};

describe(OutboxMarkersRepository.name, () => {
  it('marks events just written, each with its copy and its entity, all in one insert', async () => {
    const { repository, markers, insertMany } = setup();
    const [a, b] = [written(A), written(B)];
    await repository.mark([a, b]);
    expect(insertMany).toHaveBeenCalledTimes(1);
    expect(markers.get(a.id)).toMatchObject({ key: A });
    expect(fromBsonCopy<OutboxEvent>(markers.get(a.id)?.copy as Buffer)).toEqual(a);
    expect(fromBsonCopy<OutboxEvent>(markers.get(b.id)?.copy as Buffer)).toEqual(b);
  });

  it("keeps a marker's copy as one binary value, and reads it back as an earlier version's copy is read", async () => {
    const older = written(C);
    const { repository, markers } = setup([{ _id: older.id, key: C, event: older }]);
    const a = { ...written(A), data: { name: 'n', tags: ['t'], fields: [{ name: 'v', type: 'number' }], seq: 7 } } as OutboxEvent;
    await repository.mark([a]);
    expect(markers.get(a.id)?.event).toBeUndefined();
    expect(Buffer.isBuffer(markers.get(a.id)?.copy)).toBe(true);
    const read = await repository.oldest(10);
    expect(read.find((marker) => marker.id === a.id)?.event).toEqual(a);
    expect(read.find((marker) => marker.id === older.id)?.event).toEqual(older);
  });

  it("says a writer's markers come after the write that committed their entities, and not the scan's or whole ones", async () => {
    const { repository, markers } = setup();
    const [a, lost] = [written(A), written(B)];
    await repository.mark([a]);
    await repository.markLost([lost]);
    await repository.markEntities([C]);
    expect(markers.get(a.id)?.committed).toBe(true);
    expect(markers.get(lost.id)?.committed).toBeUndefined();
    expect(markers.get(C)?.committed).toBeUndefined();
  });

  it('re-marks lost events dated when they happened, and leaves a marker already there as it is', async () => {
    const lost = written(A, '2025-06-01T00:00:00.000Z');
    const kept = written(B);
    const { repository, markers } = setup([{ _id: kept.id, key: B, event: kept }]);
    await repository.markLost([lost, kept]);
    expect(markers.get(lost.id)?.since).toEqual(new Date('2025-06-01T00:00:00.000Z'));
    expect(markers.get(kept.id)?.since).toEqual(new Date(0));
  });

  it('marks whole entities by their key, without copies', async () => {
    const { repository, markers } = setup();
    await repository.markEntities([A]);
    expect(markers.get(A)).toMatchObject({ _id: A });
    expect(markers.get(A)?.copy).toBeUndefined();
    expect(markers.get(A)?.event).toBeUndefined();
  });

  it('marks the events of writers running side by side in one insert, each failing only for its own markers', async () => {
    const kept = written(B);
    const { repository, markers, insertMany } = setup([{ _id: kept.id, key: B, event: kept }]);
    const [a, c] = [written(A), written(C)];
    await Promise.all([repository.mark([a]), repository.mark([kept]), repository.markEntities([C]), repository.mark([c])]);
    expect(insertMany).toHaveBeenCalledTimes(1);
    expect(insertMany.mock.calls[0][0].map(({ _id }) => _id)).toEqual([a.id, kept.id, C, c.id]);
    expect(markers.get(kept.id)?.since).toEqual(new Date(0));

    insertMany.mockRejectedValueOnce(Object.assign(new Error('bulk'), { writeErrors: [{ index: 1, code: 2, errmsg: 'bad value' }] }));
    const outcomes = await Promise.allSettled([repository.mark([written(A)]), repository.mark([written(B)])]);
    expect(outcomes.map(({ status }) => status)).toEqual(['fulfilled', 'rejected']);
  });

  it('removes markers by id, in one delete by `_id` `$in`', async () => {
    const [a, b] = [written(A), written(B)];
    const { repository, markers, deleteMany } = setup([
      { _id: a.id, key: A, event: a },
      { _id: b.id, key: B, event: b },
    ]);
    await repository.remove([a.id]);
    expect(deleteMany).toHaveBeenCalledWith({ _id: { $in: [a.id] } });
    expect([...markers.keys()]).toEqual([b.id]);
  });

  it('counts the events waiting and their entities, and the oldest', async () => {
    const since = new Date('2026-01-01T00:00:00Z');
    const events = [written(A), written(A), written(C)];
    const { repository } = setup(
      events.map((e, i) => ({ _id: e.id, key: `${e.entity}:${e.entityId}`, event: e, ...(i === 2 ? { since } : {}) })),
    );
    expect(await repository.backlog()).toEqual({ entities: 2, events: 3, oldestSince: new Date(0) });
    expect(await setup().repository.backlog()).toEqual({ entities: 0, events: 0 });
  });

  describe('batch markers', () => {
    const entity = (i: number): EntityKey => `dataset:6650c0ffee0000000000${(0xb000 + i).toString(16)}`;
    const many = (count: number, data: object = {}): OutboxEvent[] =>
      Array.from({ length: count }, (_, i) => ({ ...written(entity(i)), data }) as OutboxEvent);

    it('marks the events of one write over many entities with one marker of their copies, read back one by one', async () => {
      const { repository, markers, insertMany, deleteMany } = setup();
      const events = many(BATCH_FROM);
      await repository.mark(events);
      expect(insertMany).toHaveBeenCalledTimes(1);
      expect(markers.size).toBe(1);
      const [batch] = markers.values();
      expect(batch).toMatchObject({ key: `batch:${BATCH_FROM}`, batch: BATCH_FROM, committed: true });
      const read = await repository.oldest(100);
      expect(read.map(({ event }) => event)).toEqual(events);
      expect(read.map(({ id, key, markerId, committed }) => ({ id, key, markerId, committed }))).toEqual(
        events.map((event) => ({ id: event.id, key: `${event.entity}:${event.entityId}`, markerId: batch._id, committed: true })),
      );
      expect(await repository.allIds()).toEqual(new Set(events.map(({ id }) => id)));
      expect(await repository.backlog()).toEqual({ entities: BATCH_FROM, events: BATCH_FROM, oldestSince: batch.since });
      await repository.remove(read.map(({ markerId, id }) => markerId ?? id));
      expect(deleteMany).toHaveBeenCalledWith({ _id: { $in: [batch._id] } });
      expect(markers.size).toBe(0);
    });

    it('keeps one marker per event for fewer events, or for events of one entity', async () => {
      const few = setup();
      await few.repository.mark(many(BATCH_FROM - 1));
      expect(few.markers.size).toBe(BATCH_FROM - 1);
      const same = setup();
      const events = many(BATCH_FROM);
      events[1] = { ...events[1], entityId: events[0].entityId };
      await same.repository.mark(events);
      expect([...same.markers.keys()]).toEqual(events.map(({ id }) => id));
    });

    it("cuts a write's markers at 64 KB of copies (a larger copy alone), and reads about `limit` events, a marker's all or none", async () => {
      const { repository, markers } = setup();
      const events = many(BATCH_FROM, { blob: 'x'.repeat(20_000) });
      events[5] = { ...many(1, { blob: 'y'.repeat(70_000) })[0], entityId: 'ffffffffffffffffffffffff' };
      await repository.mark(events);
      const stored = [...markers.values()];
      expect(stored.map(({ batch }) => batch ?? 1)).toEqual([3, 2, 1, 3, 3, 3, 1]);
      expect(stored.find(({ _id }) => _id === events[5].id)?.key).toBe(`${events[5].entity}:${events[5].entityId}`);
      expect(Math.max(...stored.filter(({ batch }) => batch).map(({ copy }) => (copy as Buffer).length))).toBeLessThanOrEqual(64 * 1024);
      expect((await repository.oldest(100)).map(({ event }) => event)).toEqual(events);
      expect(await repository.oldest(4)).toHaveLength(5);
    });
  });
});
