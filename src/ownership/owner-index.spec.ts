import { Types } from 'mongoose';
import { OwnerIndex } from './owner-index';
import { decodeEntries, encodeEntries } from './owner-list-codec';
import { ENTRY_STATE } from './schemas/owner-index.schema';
import { buildOwnerIndex as build, Stored } from './testing/owner-lists-store';

const owner = new Types.ObjectId();
const listedDataset = (seq: number) => ({ _id: new Types.ObjectId(), seq, createdAt: new Date(1_000 * seq) });

/** A list as versions before the one-value form stored it: ids, sort keys by id, no states. */
function olderList(datasets: ReturnType<typeof listedDataset>[]): Stored {
  return {
    _id: owner.toHexString(),
    datasetIds: datasets.map(({ _id }) => _id.toHexString()),
    sortKeys: Object.fromEntries(datasets.map(({ _id, seq, createdAt }) => [_id.toHexString(), { seq, at: createdAt.getTime() }])),
  };
}

/** A create's datasets listed new and confirmed, as DatasetRegistration does holding the owner's list. */
async function created(index: OwnerIndex, datasets: ReturnType<typeof listedDataset>[], ownerId = owner): Promise<void> {
  await index.creating([ownerId], async (lists) => {
    const owned = datasets.map((dataset) => ({ ...dataset, ownerId }));
    await lists.listNew(owned);
    await lists.confirmNew(owned);
  });
}

async function confirmedOf(index: OwnerIndex): Promise<number[]> {
  return (await index.listed(owner)).filter((entry) => entry.confirmed).map((entry) => entry.seq as number);
}

describe(OwnerIndex.name, () => {
  it('reads entries a crash left unconfirmed, and lists of older versions (no states), as candidates', async () => {
    const { index, docs } = build();
    const [a, b, c] = [listedDataset(1), listedDataset(2), listedDataset(3)];
    await created(index, [a, b, c]);
    // Killed between b's demotion and its trash; c's create killed before its activation left it pending.
    await index.demote(owner, [b._id]);
    const stored = docs.get(owner.toHexString())!;
    const entries = decodeEntries(stored.entries as Uint8Array);
    entries.get(c._id.toHexString())!.state = ENTRY_STATE.pending;
    stored.entries = encodeEntries(entries);
    expect(await confirmedOf(index)).toEqual([1]);
    docs.set(owner.toHexString(), olderList([a, b, c]));
    expect(await index.listed(owner)).toEqual([a, b, c].map(({ _id, seq, createdAt }) => ({ _id, seq, createdAt, confirmed: false })));
  });

  it("stores a list as one value, and rewrites an older version's list in that form on its next change", async () => {
    const { index, docs, updateOne } = build();
    const [a, b, c] = [listedDataset(1), listedDataset(2), listedDataset(3)];
    docs.set(owner.toHexString(), { ...olderList([a, b]), states: { [a._id.toHexString()]: ENTRY_STATE.confirmed } });
    expect(await confirmedOf(index)).toEqual([1]);
    await index.add(owner, [c]);
    const [, update] = updateOne.mock.calls[0];
    expect(Object.keys(update.$set ?? {})).toEqual(['entries']);
    expect(update.$unset).toEqual({ datasetIds: 1, sortKeys: 1, states: 1 });
    expect(Object.keys(docs.get(owner.toHexString())!).sort()).toEqual(['_id', 'entries']);
    await index.confirm(owner, [c._id]);
    expect(await confirmedOf(index)).toEqual([1, 3]);
    expect((await index.listed(owner)).map(({ seq }) => seq)).toEqual([1, 2, 3]);
    // A change that changes nothing writes nothing; a state for a dataset the list does not name is not kept.
    updateOne.mockClear();
    await index.confirm(owner, [a._id, new Types.ObjectId()]);
    expect(updateOne).not.toHaveBeenCalled();
  });

  it("holds a create's lists while it lists its datasets as new, inserts them, and confirms them; leaves busy lists out", async () => {
    const busy = new Types.ObjectId();
    const { index, locks, isLocked } = build({ busy: [`owner-index:${busy.toHexString()}`] });
    const a = { ...listedDataset(1), ownerId: owner };
    const inserted: boolean[] = [];
    await index.creating([owner, busy], async (lists) => {
      expect(lists.owners).toEqual([owner]);
      expect(lists.holds(busy)).toBe(false);
      await lists.listNew([a]);
      // What the create's insert sees: its dataset listed, unconfirmed, and the list held.
      inserted.push(isLocked());
      expect((await index.listed(owner)).map(({ confirmed }) => confirmed)).toEqual([false]);
      await lists.confirmNew([a]);
      // A dataset of an owner whose list is not held is never listed.
      await expect(lists.listNew([{ ...listedDataset(2), ownerId: busy }])).rejects.toThrow('is not held');
    });
    expect(inserted).toEqual([true]);
    expect(locks.withLocks).toHaveBeenCalledTimes(1);
    expect(await confirmedOf(index)).toEqual([1]);
    expect(await index.listed(busy)).toEqual([]);
  });

  it('reads the held lists as the hold starts, and writes the lists a create changes together (one bulk write)', async () => {
    const other = new Types.ObjectId();
    const { index, findById, updateOne, bulkWrite } = build();
    await index.add(owner, [listedDataset(0)]);
    await index.add(other, [listedDataset(1)]);
    findById.mockClear();
    updateOne.mockClear();
    await index.creating([owner, other], async (lists) => {
      // Read beside the create's owner check, before anything is listed.
      expect(findById.mock.calls.map(([id]) => id)).toEqual([owner.toHexString(), other.toHexString()]);
      await lists.listNew([
        { ...listedDataset(2), ownerId: owner },
        { ...listedDataset(3), ownerId: other },
      ]);
      expect(findById).toHaveBeenCalledTimes(2);
      expect(bulkWrite).toHaveBeenCalledTimes(1);
      expect(updateOne).toHaveBeenCalledTimes(2);
    });
    expect((await index.listed(other)).map(({ seq }) => seq)).toEqual([1, 3]);
  });

  it("reads a bulk call's held lists in one query by `_id` (it holds up to 1,000 at once)", async () => {
    const { index, find, findById } = build();
    const owners = Array.from({ length: 40 }, () => new Types.ObjectId());
    await index.creating(owners, (lists) => lists.listNew(owners.map((ownerId, i) => ({ ...listedDataset(i), ownerId }))));
    expect(find).toHaveBeenCalledTimes(1);
    expect(find).toHaveBeenCalledWith({ _id: { $in: owners.map((id) => id.toHexString()) } }, undefined);
    expect(findById).toHaveBeenCalledTimes(40);
  });

  it("confirms a create's new entries as it listed them, without reading the lists again", async () => {
    const other = new Types.ObjectId();
    const { index, findById, updateOne } = build();
    const [a, b, c] = [
      { ...listedDataset(1), ownerId: owner },
      { ...listedDataset(2), ownerId: other },
      { ...listedDataset(3), ownerId: owner },
    ];
    await index.add(owner, [listedDataset(0)]);
    await index.creating([owner, other], async (lists) => {
      await lists.listNew([a, b, c]);
      findById.mockClear();
      updateOne.mockClear();
      // c's insert was refused (its name taken): it stays pending, for the janitor.
      await lists.confirmNew([a, b]);
      expect(findById).not.toHaveBeenCalled();
      expect(updateOne).toHaveBeenCalledTimes(2);
    });
    expect((await index.listed(owner)).map(({ seq, confirmed }) => [seq, confirmed])).toEqual([
      [0, false],
      [1, true],
      [3, false],
    ]);
    expect((await index.listed(other)).map(({ seq, confirmed }) => [seq, confirmed])).toEqual([[2, true]]);
  });

  it('reads lists for a look (not an edit) straight through the driver, each by its _id, in the order asked', async () => {
    const other = new Types.ObjectId();
    const { index, findById, findOne } = build();
    const [a, b] = [listedDataset(1), listedDataset(2)];
    await index.add(owner, [a]);
    await index.add(other, [b]);
    findById.mockClear();
    const entries = await index.entries([other, new Types.ObjectId(), owner]);
    expect([...entries.values()].map((listed) => listed.map(({ _id }) => _id.toHexString()))).toEqual([
      [b._id.toHexString()],
      [],
      [a._id.toHexString()],
    ]);
    expect(findOne.mock.calls.map(([filter]) => Object.keys(filter))).toEqual([['_id'], ['_id'], ['_id']]);
    expect(findById).not.toHaveBeenCalled();
  });

  it("reads a user's candidates for a deletion only holding the list (a create holds it from its owner check to its insert)", async () => {
    const { index, locks, readsWithoutLock } = build();
    const a = listedDataset(1);
    await index.add(owner, [a]);
    const before = readsWithoutLock();
    expect(await index.candidatesHeld(owner)).toEqual([a._id]);
    expect(readsWithoutLock()).toBe(before);
    expect(locks.withLock).toHaveBeenLastCalledWith(`owner-index:${owner.toHexString()}`, { purpose: 'owner-index' }, expect.any(Function));
  });

  it("logs a failed confirmation (the dataset's write is done; its entry stays a candidate) but fails a failed demotion", async () => {
    const { index, docs } = build({ failUpdates: true });
    const id = new Types.ObjectId();
    docs.set(owner.toHexString(), { _id: owner.toHexString(), datasetIds: [id.toHexString()] });
    await expect(index.confirm(owner, [id])).resolves.toBeUndefined();
    await expect(index.demote(owner, [id])).rejects.toThrow('store down');
  });
});
