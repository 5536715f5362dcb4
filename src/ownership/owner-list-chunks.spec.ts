import { Types } from 'mongoose';
import { OwnerIndex } from './owner-index';
import { ENTRIES_PER_CHUNK, placeEntries } from './owner-list-chunks';
import { decodeEntries, encodeEntries, ListedDatasets } from './owner-list-codec';
import { ENTRY_STATE } from './schemas/owner-index.schema';
import { buildOwnerIndex, Stored } from './testing/owner-lists-store';
import { createdUnder, Listed, newListed as datasets } from './testing/listed-datasets';

const owner = new Types.ObjectId();
const head = owner.toHexString();
const chunk = (index: number) => `${head}:${index}`;

const created = (index: OwnerIndex, some: Listed[]): Promise<void> => createdUnder(index, owner, some);

/** Each stored document's id, entry count and chunk count, by id (the head first). */
const sizes = (docs: Map<string, Stored>) =>
  [...docs.values()].map((doc) => [doc._id, decodeEntries(doc.entries as Uint8Array).size, doc.chunks]).sort();
/** `written` cut into parts of `sizes`, the rest last, each sorted: an unordered bulk write promises no order within it. */
function phases(written: string[], ...sizes: number[]): string[][] {
  const parts: string[][] = [];
  let at = 0;
  for (const size of sizes) parts.push(written.slice(at, (at += size)).sort());
  return [...parts, written.slice(at).sort()];
}
const seqs = async (index: OwnerIndex) => (await index.listed(owner)).map(({ seq }) => seq);

describe('owner list chunks', () => {
  it(`stores a list in chunks of ${ENTRIES_PER_CHUNK}, the head counting them, and reads them all by _id`, async () => {
    const { index, docs, findOne, written } = buildOwnerIndex();
    const all = datasets(600);
    await created(index, all);
    expect(sizes(docs)).toEqual([
      [head, 256, 3],
      [chunk(1), 256, undefined],
      [chunk(2), 88, undefined],
    ]);
    // The chunks are written before the head that counts them (then the confirmation rewrites them all, count unchanged).
    expect(phases(written.slice(0, 3), 2)).toEqual([[chunk(1), chunk(2)], [head]]);
    findOne.mockClear();
    expect(await seqs(index)).toEqual(all.map(({ seq }) => seq));
    expect(findOne.mock.calls.map(([filter]) => filter)).toEqual([{ _id: head }, { _id: chunk(1) }, { _id: chunk(2) }]);
    expect((await index.unconfirmed()).length).toBe(0);
  });

  it('appends to the last chunk only, and opens a new one (written before the head counts it) when it is full', async () => {
    const { index, docs, written } = buildOwnerIndex();
    const first = datasets(600);
    await created(index, first);
    written.length = 0;
    const more = datasets(10);
    await created(index, more);
    expect(written).toEqual([chunk(2), chunk(2)]);
    written.length = 0;
    const overflow = datasets(200);
    await created(index, overflow);
    expect(phases(written, 2, 1)).toEqual([[chunk(2), chunk(3)], [head], [chunk(2), chunk(3)]]);
    expect(sizes(docs)).toEqual([
      [head, 256, 4],
      [chunk(1), 256, undefined],
      [chunk(2), 256, undefined],
      [chunk(3), 42, undefined],
    ]);
    expect(await seqs(index)).toEqual([...first, ...more, ...overflow].map(({ seq }) => seq));
  });

  it("lets a reader between a new chunk's write and the head's read every entry stored before (the new chunk holds only new ones)", async () => {
    let between: (number | undefined)[] | undefined;
    const store = buildOwnerIndex({
      beforeWrite: async (id) => {
        if (id === head && store.written.includes(chunk(1)) && !between) between = await seqs(store.index);
      },
    });
    const first = datasets(250);
    await created(store.index, first);
    await created(store.index, datasets(10));
    expect(between).toEqual(first.map(({ seq }) => seq));
  });

  it('changes a state or removes an entry in a middle chunk by rewriting that chunk alone, moving no entry', async () => {
    const { index, docs, written } = buildOwnerIndex();
    const all = datasets(600);
    await created(index, all);
    written.length = 0;
    await index.demote(owner, [all[300]._id]);
    expect(written).toEqual([chunk(1)]);
    expect((await index.listed(owner)).filter(({ confirmed }) => !confirmed).map(({ seq }) => seq)).toEqual([all[300].seq]);
    written.length = 0;
    const gone = all.slice(256, 400);
    await index.remove(
      owner,
      gone.map(({ _id }) => _id),
    );
    expect(written).toEqual([chunk(1)]);
    expect(sizes(docs)).toEqual([
      [head, 256, 3],
      [chunk(1), 112, undefined],
      [chunk(2), 88, undefined],
    ]);
    // Once the last chunk is full, new entries go to a chunk at most half full before a new chunk is opened.
    written.length = 0;
    await index.add(owner, datasets(200));
    expect([...written].sort()).toEqual([chunk(1), chunk(2)]);
    expect(sizes(docs)).toEqual([
      [head, 256, 3],
      [chunk(1), 144, undefined],
      [chunk(2), 256, undefined],
    ]);
  });

  it('reads the head and the last chunk alone for a create, and opens a new chunk rather than fill one it did not read', async () => {
    const { index, docs, findById } = buildOwnerIndex();
    const all = datasets(600);
    await created(index, all);
    // Chunk 1 left at most half full.
    await index.remove(
      owner,
      all.slice(256, 400).map(({ _id }) => _id),
    );
    findById.mockClear();
    const more = datasets(200);
    await created(index, more);
    expect(findById.mock.calls.map(([id]) => id)).toEqual([head, chunk(2)]);
    expect(sizes(docs)).toEqual([
      [head, 256, 4],
      [chunk(1), 112, undefined],
      [chunk(2), 256, undefined],
      [chunk(3), 32, undefined],
    ]);
    expect(await seqs(index)).toEqual([...all.slice(0, 256), ...all.slice(400), ...more].map(({ seq }) => seq));
  });

  it("converts a one-document list (the version before chunks) on its next change, its chunks written before the head's count", async () => {
    const { index, docs, written } = buildOwnerIndex();
    const all = datasets(600);
    const list: ListedDatasets = new Map(
      all.map(({ _id, seq, createdAt }) => [_id.toHexString(), { key: { seq, at: createdAt.getTime() }, state: ENTRY_STATE.confirmed }]),
    );
    docs.set(head, { _id: head, entries: encodeEntries(list) });
    expect(await seqs(index)).toEqual(all.map(({ seq }) => seq));
    const more = datasets(1);
    await index.add(owner, more);
    expect(phases(written, 2)).toEqual([[chunk(1), chunk(2)], [head]]);
    expect(sizes(docs)).toEqual([
      [head, 256, 3],
      [chunk(1), 256, undefined],
      [chunk(2), 89, undefined],
    ]);
    expect(await seqs(index)).toEqual([...all, ...more].map(({ seq }) => seq));
  });

  it("converts an older version's list (ids and maps) of more than one chunk, dropping its fields", async () => {
    const { index, docs } = buildOwnerIndex();
    const all = datasets(300);
    docs.set(head, { _id: head, datasetIds: all.map(({ _id }) => _id.toHexString()) });
    await index.confirm(owner, [all[299]._id]);
    expect(Object.keys(docs.get(head)!).sort()).toEqual(['_id', 'chunks', 'entries']);
    expect((await index.listed(owner)).map(({ _id, confirmed }) => [_id.toHexString(), confirmed])).toEqual(
      all.map(({ _id }, i) => [_id.toHexString(), i === 299]),
    );
  });

  it("ignores a chunk its head does not count (a crash before the head's write), then writes over it", async () => {
    const { index, docs } = buildOwnerIndex();
    const all = datasets(256);
    await created(index, all);
    const orphan = datasets(3);
    docs.set(chunk(1), { _id: chunk(1), entries: encodeEntries(new Map(orphan.map(({ _id }) => [_id.toHexString(), {}]))) });
    expect((await index.unconfirmed()).length).toBe(0);
    expect((await index.listed(owner)).length).toBe(256);
    const more = datasets(1);
    await created(index, more);
    expect(sizes(docs)).toEqual([
      [head, 256, 2],
      [chunk(1), 1, undefined],
    ]);
    expect(await seqs(index)).toEqual([...all, ...more].map(({ seq }) => seq));
  });

  it("reads every user's chunks for the janitor (one read of the collection)", async () => {
    const { index, docs } = buildOwnerIndex();
    const all = datasets(300);
    await index.add(owner, all);
    expect(docs.size).toBe(2);
    const [only] = await index.unconfirmed();
    expect(only.ownerId).toEqual(owner);
    expect(only.entries.map(({ seq }) => seq)).toEqual(all.map(({ seq }) => seq));
  });
});

describe(placeEntries.name, () => {
  const ids = (count: number) => Array.from({ length: count }, () => new Types.ObjectId().toHexString());
  it('keeps stored entries in their chunk, fills the last chunk, then half-empty chunks, then new ones', () => {
    const [a, b, c] = [ids(200), ids(100), ids(50)];
    const chunkOf = new Map([...a.map((id) => [id, 0] as const), ...b.map((id) => [id, 1] as const), ...c.map((id) => [id, 2] as const)]);
    const fresh = ids(600);
    const list: ListedDatasets = new Map([...a, ...b, ...c, ...fresh].map((id) => [id, {}]));
    const placed = placeEntries(list, { chunkOf, stored: [null, null, null] });
    expect(placed.map((chunk) => chunk.size)).toEqual([200, 256, 256, 238]);
    expect([...placed[2].keys()]).toEqual([...c, ...fresh.slice(0, 206)]);
    expect([...placed[1].keys()]).toEqual([...b, ...fresh.slice(206, 362)]);
  });
});
