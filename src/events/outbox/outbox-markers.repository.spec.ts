import { Model } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { queryResult } from '../../common/testing/mongoose-mocks';
import { EntityKey } from './entity-key';
import { OutboxMarker } from './outbox-marker.schema';
import { OutboxMarkersRepository } from './outbox-markers.repository';

const A: EntityKey = 'dataset:6650c0ffee0000000000a001';
const B: EntityKey = 'dataset:6650c0ffee0000000000a002';
const C: EntityKey = 'user:6650c0ffee0000000000a003';

type Operation = { updateOne?: { filter: { _id: string }; update: { $inc: { events: number } } }; deleteOne?: { filter: { _id: string } } };

/** A markers collection in memory, behind a strict model with the calls the repository makes. */
function setup(stored: Partial<OutboxMarker>[] = []) {
  const markers = new Map(stored.map((marker) => [marker._id as string, { since: new Date(0), ...marker } as OutboxMarker]));
  const insertMany = jest.fn(async (docs: OutboxMarker[]) => {
    const writeErrors = docs.flatMap((doc, index) => (markers.has(doc._id) ? [{ index, code: 11000 }] : []));
    for (const doc of docs) if (!markers.has(doc._id)) markers.set(doc._id, doc);
    if (writeErrors.length > 0) throw Object.assign(new Error('E11000'), { writeErrors });
  });
  const bulkWrite = jest.fn(async (operations: Operation[]) => {
    for (const { updateOne, deleteOne } of operations) {
      const marker = markers.get((updateOne ?? deleteOne)?.filter._id as string);
      if (updateOne && marker) marker.events = (marker.events ?? 0) + updateOne.update.$inc.events;
      if (deleteOne) markers.delete(deleteOne.filter._id);
    }
  });
  const updateOne = jest.fn((filter: { _id: string }, update: { $set: { events: number } }) => {
    const marker = markers.get(filter._id);
    if (marker) marker.events = update.$set.events;
    return queryResult(undefined);
  });
  // What `$group` by `$events` answers: a missing count groups under null.
  const aggregate = jest.fn(() => {
    const groups = new Map<number | null, number>();
    for (const { events } of markers.values()) groups.set(events ?? null, (groups.get(events ?? null) ?? 0) + 1);
    return queryResult([...groups].map(([_id, count]) => ({ _id, markers: count })));
  });
  const findOne = jest.fn(() => queryResult([...markers.values()].sort((a, b) => a.since.getTime() - b.since.getTime())[0] ?? null));
  const model = strictMock<Model<OutboxMarker>>('markers', {
    collection: { insertMany },
    bulkWrite,
    updateOne,
    aggregate,
    findOne,
  } as never);
  return { repository: new OutboxMarkersRepository(model), markers, insertMany, bulkWrite, updateOne };
}

const countOf = (markers: Map<string, OutboxMarker>, key: string): number | undefined => markers.get(key)?.events;

describe(OutboxMarkersRepository.name, () => {
  describe('mark', () => {
    it('inserts new markers with the number of events written, all in one insert', async () => {
      const { repository, markers, insertMany, bulkWrite } = setup();
      await repository.mark([
        { key: A, events: 1 },
        { key: B, events: 3 },
      ]);
      expect(insertMany).toHaveBeenCalledTimes(1);
      expect(bulkWrite).not.toHaveBeenCalled();
      expect(countOf(markers, A)).toBe(1);
      expect(countOf(markers, B)).toBe(3);
    });

    it('adds the events to a marker already there, by bare `_id`, and leaves its `since`', async () => {
      const { repository, markers, bulkWrite } = setup([{ _id: A, events: 2 }]);
      await repository.mark([
        { key: A, events: 1 },
        { key: B, events: 1 },
      ]);
      expect(bulkWrite).toHaveBeenCalledWith([{ updateOne: { filter: { _id: A }, update: { $inc: { events: 1 } } } }], { ordered: false });
      expect(countOf(markers, A)).toBe(3);
      expect(markers.get(A)?.since).toEqual(new Date(0));
      expect(countOf(markers, B)).toBe(1);
    });
  });

  it('sets the exact count of an entity the relay left with events', async () => {
    const { repository, markers, updateOne } = setup([{ _id: A, events: 5 }]);
    await repository.recount([{ key: A, events: 2 }]);
    expect(updateOne).toHaveBeenCalledWith({ _id: A }, { $set: { events: 2 } });
    expect(countOf(markers, A)).toBe(2);
  });

  it('removes markers, and their events leave the count', async () => {
    const { repository, markers } = setup([
      { _id: A, events: 2 },
      { _id: B, events: 1 },
    ]);
    await repository.remove([A]);
    expect([...markers.keys()]).toEqual([B]);
    expect(await repository.backlog()).toMatchObject({ entities: 1, events: 1 });
  });

  it("marks what the scan found unmarked with its outbox's length, and keeps the count of a marker already there", async () => {
    const { repository, markers, bulkWrite } = setup([{ _id: A, events: 2 }]);
    await repository.markMissing([
      { key: A, events: 7 },
      { key: B, events: 4 },
    ]);
    expect(bulkWrite).not.toHaveBeenCalled();
    expect(countOf(markers, A)).toBe(2);
    expect(countOf(markers, B)).toBe(4);
  });

  it('sums the events waiting over all markers, a marker of an older version (no count) as one', async () => {
    const since = new Date('2026-01-01T00:00:00Z');
    const { repository } = setup([
      { _id: A, events: 3, since },
      { _id: B, events: 3 },
      { _id: C, since: new Date('2026-02-01T00:00:00Z') },
    ]);
    expect(await repository.backlog()).toEqual({ entities: 3, events: 7, oldestSince: new Date(0) });
    expect(await setup().repository.backlog()).toEqual({ entities: 0, events: 0 });
  });
});
