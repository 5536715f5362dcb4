import { Types } from 'mongoose';
import { OwnerIndex } from './owner-index';
import { UNREAD } from './owner-list-chunks';
import { decodeEntries, encodeEntries, ListedDatasets } from './owner-list-codec';
import { chunksNeeded, shouldCompact } from './owner-list-compaction';
import { ENTRY_STATE } from './schemas/owner-index.schema';
import { buildOwnerIndex, Stored } from './testing/owner-lists-store';
import { createdUnder, Listed, newListed as datasets } from './testing/listed-datasets';

const owner = new Types.ObjectId();
const head = owner.toHexString();
const chunk = (index: number, gen = 0) => (gen === 0 ? `${head}:${index}` : `${head}:g${gen}:${index}`);
const ids = (some: Listed[]) => some.map(({ _id }) => _id);

const created = (index: OwnerIndex, some: Listed[]): Promise<void> => createdUnder(index, owner, some);

/** Each stored document's id, entry count, chunk count and generation (the head's), sorted by id. */
const sizes = (docs: Map<string, Stored>) =>
  [...docs.values()].map((doc) => [doc._id, decodeEntries(doc.entries as Uint8Array).size, doc.chunks, doc.gen]).sort();
const seqs = async (index: OwnerIndex) => (await index.listed(owner)).map(({ seq }) => seq);
const seqsOf = (some: Listed[]) => some.map(({ seq }) => seq);
/** A store holding `count` datasets created in order: ceil(count / 256) chunks of generation 0. */
async function listOf(count: number) {
  const store = buildOwnerIndex();
  const all = datasets(count);
  await created(store.index, all);
  store.written.length = 0;
  return { ...store, all };
}

describe(shouldCompact.name, () => {
  const list = (size: number): ListedDatasets => new Map(Array.from({ length: size }, () => [new Types.ObjectId().toHexString(), {}]));
  const stored = (chunks: number) => Array.from({ length: chunks }, () => Buffer.alloc(0));

  it.each([
    [0, 1, false],
    [0, 2, false],
    [0, 3, true],
    [255, 2, false],
    [257, 2, false],
    [512, 4, false],
    [512, 5, true],
    [513, 6, false],
    [10, 390, true],
  ])('%i entries in %i chunks: %s', (entries, chunks, expected) => {
    expect(chunksNeeded(entries)).toBe(Math.max(1, Math.ceil(entries / 256)));
    expect(shouldCompact(list(entries), { stored: stored(chunks) })).toBe(expected);
  });

  it('never compacts a list not read whole (a create) or in an older form', () => {
    expect(shouldCompact(list(10), { stored: [Buffer.alloc(0), UNREAD, Buffer.alloc(0), Buffer.alloc(0)] })).toBe(false);
    expect(shouldCompact(list(10), { stored: [null, null, null, null] })).toBe(false);
  });
});

describe('owner list compaction', () => {
  it('packs a sparse list into a new generation: new chunks, then the head naming it, then the old chunks deleted', async () => {
    const { index, docs, written, all } = await listOf(1100);
    // 600 left in 5 chunks: 3 needed, not fewer than half.
    await index.remove(owner, ids(all.slice(0, 500)));
    expect(written).toEqual([head, chunk(1)]);
    expect(sizes(docs).map(([id]) => id)).toEqual([head, chunk(1), chunk(2), chunk(3), chunk(4)]);
    written.length = 0;
    // 500 left: 2 chunks needed, fewer than half of 5.
    await index.remove(owner, ids(all.slice(500, 600)));
    // The one new chunk (with the ids a crashed compaction could have left past it deleted), the head, the old chunks, `retired` unset.
    expect([...written.slice(0, 4)].sort()).toEqual([`-${chunk(2, 1)}`, `-${chunk(3, 1)}`, `-${chunk(4, 1)}`, chunk(1, 1)].sort());
    expect(written.slice(4)).toEqual([head, ...[1, 2, 3, 4].map((i) => `-${chunk(i)}`), head]);
    expect(sizes(docs)).toEqual([
      [head, 256, 2, 1],
      [chunk(1, 1), 244, undefined, undefined],
    ]);
    expect(docs.get(head)?.retired).toBeUndefined();
    expect(await seqs(index)).toEqual(seqsOf(all.slice(600)));
    // The new generation is changed and grown like any.
    written.length = 0;
    const more = datasets(20);
    await created(index, more);
    await index.remove(owner, ids(all.slice(600, 601)));
    expect(sizes(docs)).toEqual([
      [head, 255, 3, 1],
      [chunk(1, 1), 256, undefined, undefined],
      [chunk(2, 1), 8, undefined, undefined],
    ]);
    expect(await seqs(index)).toEqual(seqsOf([...all.slice(601), ...more]));
  });

  it('does not compact on a create (it reads the head and the last chunk only): one write of the last chunk, then its confirmation', async () => {
    const { index, docs, written, all, findById, deleteMany } = await listOf(1100);
    await index.remove(owner, ids(all.slice(0, 500)));
    for (const [id, doc] of docs) if (id !== head) doc.entries = encodeEntries(new Map());
    written.length = 0;
    findById.mockClear();
    await created(index, datasets(3));
    expect(findById.mock.calls.map(([id]) => id)).toEqual([head, chunk(4)]);
    expect(written).toEqual([chunk(4), chunk(4)]);
    expect(deleteMany).not.toHaveBeenCalled();
  });

  it('lets a reader whose chunk vanished (a compaction after its head read) read the list again from the new head', async () => {
    const { index, docs, findOne, all } = await listOf(1100);
    const read = findOne.getMockImplementation()!;
    let compacted = false;
    findOne.mockImplementation(async (filter: { _id: string }) => {
      if (filter._id === chunk(3) && !compacted) {
        compacted = true;
        await index.remove(owner, ids(all.slice(0, 700)));
      }
      return read(filter);
    });
    const seen = await seqs(index);
    expect(seen).toEqual(seqsOf(all.slice(700)));
    expect(new Set(seen).size).toBe(seen.length);
    expect(findOne.mock.calls.map(([{ _id }]) => _id)).toEqual([head, chunk(1), chunk(2), chunk(3), chunk(4), head, chunk(1, 1)]);
    expect(docs.has(chunk(1))).toBe(false);
  });

  it('reads a chunk missing under the same generation as empty, and gives up after 5 compactions in one read', async () => {
    const { index, docs, findOne, all } = await listOf(600);
    docs.delete(chunk(1));
    expect(await seqs(index)).toEqual(seqsOf([...all.slice(0, 256), ...all.slice(512)]));
    const read = findOne.getMockImplementation()!;
    findOne.mockImplementation(async (filter: { _id: string }) => {
      const headDoc = docs.get(head)!;
      if (filter._id !== head) headDoc.gen = ((headDoc.gen as number | undefined) ?? 0) + 1;
      return filter._id === head ? read(filter) : null;
    });
    await expect(index.listed(owner)).rejects.toThrow('compacted 5 times while read');
  });

  it('leaves a compaction that stopped before its head unseen, and deletes what it wrote at the next one', async () => {
    let failOn: string | undefined;
    const store = buildOwnerIndex({
      beforeWrite: async (id) => {
        if (id === failOn) throw new Error('killed');
      },
    });
    const { index, docs } = store;
    const all = datasets(1100);
    await created(index, all);
    failOn = head;
    // 1,100 − 650 = 450: 2 chunks in generation 1 written, the head not.
    await expect(index.remove(owner, ids(all.slice(0, 650)))).rejects.toThrow('killed');
    expect(docs.has(chunk(1, 1))).toBe(true);
    expect(await seqs(index)).toEqual(seqsOf(all));
    failOn = undefined;
    await index.remove(owner, ids(all.slice(0, 900)));
    expect(sizes(docs)).toEqual([[head, 200, 1, 1]]);
    expect(await seqs(index)).toEqual(seqsOf(all.slice(900)));
  });

  it('leaves a compaction that stopped after its head with its old chunks stored, deleted at the next change (a create too)', async () => {
    let failing = false;
    const store = buildOwnerIndex({
      beforeWrite: async (id) => {
        // Killed at the deletion of the old chunks (not of the new generation's leftovers, before the head).
        if (failing && id.startsWith(`delete ${chunk(1)}`)) throw new Error('killed');
      },
    });
    const { index, docs } = store;
    const all = datasets(1100);
    await created(index, all);
    failing = true;
    await expect(index.remove(owner, ids(all.slice(0, 900)))).rejects.toThrow('killed');
    expect(docs.get(head)?.retired).toEqual({ gen: 0, chunks: 5 });
    expect(docs.has(chunk(4))).toBe(true);
    expect(await seqs(index)).toEqual(seqsOf(all.slice(900)));
    failing = false;
    const more = datasets(1);
    await created(index, more);
    expect(sizes(docs)).toEqual([[head, 201, 1, 1]]);
    expect(docs.get(head)?.retired).toBeUndefined();
    expect(await seqs(index)).toEqual(seqsOf([...all.slice(900), more[0]]));
  });

  it('converts a one-document list first (as split), then compacts it at a later change', async () => {
    const { index, docs } = buildOwnerIndex();
    const all = datasets(900);
    const list: ListedDatasets = new Map(
      all.map(({ _id, seq, createdAt }) => [_id.toHexString(), { key: { seq, at: createdAt.getTime() }, state: ENTRY_STATE.confirmed }]),
    );
    docs.set(head, { _id: head, entries: encodeEntries(list) });
    await index.remove(owner, ids(all.slice(0, 800)));
    expect(sizes(docs).map(([id, , chunks]) => [id, chunks])).toEqual([
      [head, 4],
      [chunk(1), undefined],
      [chunk(2), undefined],
      [chunk(3), undefined],
    ]);
    await index.demote(owner, ids(all.slice(899)));
    expect(sizes(docs)).toEqual([[head, 100, 1, 1]]);
    expect((await index.listed(owner)).map(({ seq, confirmed }) => [seq, confirmed])).toEqual(
      all.slice(800).map(({ seq }, i) => [seq, i !== 99]),
    );
    expect(await index.unconfirmed()).toHaveLength(1);
  });
});
