import { mongo } from 'mongoose';
import { decodeEntries, encodeEntries, ListedDatasets, ListedEntry } from './owner-list-codec';
import { OwnerIndexList, RetiredGeneration } from './schemas/owner-index.schema';

/**
 * Entries per chunk document at most. A create rewrites the chunk it appends to, so a smaller chunk writes less per call;
 * a reader reads every chunk by `_id`, so a larger one reads fewer documents. Measured on the local stack (FerretDB 1.24,
 * SQLite, raw driver, medians, loaded machine): a rewrite of 16–128 entries 0.8–1.4 ms, of 256 1.3–2.2 ms, of 1,000 2.5 ms,
 * of 2,000 5 ms; a read 0.4–0.8 ms up to 256 entries. 256 keeps a rewrite near a write's fixed cost, a list of 1,000 four reads.
 */
export const ENTRIES_PER_CHUNK = 256;

/** A stored document of the list: the head (`_id` the user's id, chunk 0, `chunks` the count) or a later chunk. */
export type StoredChunk = Omit<OwnerIndexList, 'entries'> & { entries?: Uint8Array | mongo.Binary };

/** The fields of lists written by older versions, replaced by `entries` on their next change. */
export const OLDER_FIELDS = ['datasetIds', 'sortKeys', 'states'] as const;

/**
 * The `_id` of chunk `index` of a list's generation `gen` (chunk 0 is the head, whose `_id` is the user's): `<userId>:<n>` in
 * generation 0 (lists never compacted), `<userId>:g<gen>:<n>` after (owner-list-compaction.ts).
 */
export function chunkId(ownerId: string, index: number, gen = 0): string {
  if (index === 0) return ownerId;
  return gen === 0 ? `${ownerId}:${index}` : `${ownerId}:g${gen}:${index}`;
}

/** The ids of the chunks after the head that a stored head counts (in its generation). */
export function laterChunkIds(ownerId: string, head: StoredChunk | null): string[] {
  return chunkIdsOf(ownerId, head?.gen ?? 0, 1, head?.chunks ?? 1);
}

/** The ids of chunks `from` to `to` (excluded) of a list's generation `gen`. */
export function chunkIdsOf(ownerId: string, gen: number, from: number, to: number): string[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => chunkId(ownerId, from + i, gen));
}

/** A chunk a change did not read (StoredLayout.stored). */
export const UNREAD = 'unread';

/** A list as stored, read to be changed: its entries in chunk order, which chunk holds each, and what each chunk holds now. */
export interface StoredLayout {
  list: ListedDatasets;
  /** The chunk each stored entry is in: an entry stays there while listed. */
  chunkOf: Map<string, number>;
  /**
   * Each chunk as stored, encoded; null where it must be written whatever it holds (a list stored in an earlier form);
   * UNREAD where it was not read (a create's read: it is neither written nor given new entries).
   */
  stored: (Buffer | null | typeof UNREAD)[];
  /** Whether the head exists, and whether it still has an older version's fields (dropped at its next write). */
  headStored: boolean;
  older: boolean;
  /** The generation the head names (0: none, the chunk ids before compaction), and the one it retired if not yet deleted. */
  gen: number;
  retired?: RetiredGeneration;
}

/**
 * A stored list from its head and later chunks (null: not stored). A head with `entries` and no `chunks` (one document, as the
 * version before chunks wrote) or with an older version's fields is laid out as if split into chunks, every chunk but the
 * head unstored, so its next change converts it (the later chunks are written before the head that counts them).
 */
export function layoutOf(head: StoredChunk | null, later: readonly (StoredChunk | null | typeof UNREAD)[]): StoredLayout {
  const headList = listed(head);
  const whole = head?.chunks === undefined;
  const older = OLDER_FIELDS.some((field) => head !== null && field in head);
  const chunks = whole
    ? split([...headList])
    : [headList, ...later.map((doc): ListedDatasets => (doc === UNREAD ? new Map<string, ListedEntry>() : listed(doc)))];
  const list: ListedDatasets = new Map();
  const chunkOf = new Map<string, number>();
  chunks.forEach((chunk, index) => {
    for (const [id, entry] of chunk) {
      list.set(id, entry);
      chunkOf.set(id, index);
    }
  });
  const stored = chunks.map((chunk, index) => {
    if (!whole && index > 0 && later[index - 1] === UNREAD) return UNREAD;
    if (older || (whole && chunks.length > 1 && index > 0)) return null;
    return index === 0 && whole ? encodeEntries(headList) : encodeEntries(chunk);
  });
  return {
    list,
    chunkOf,
    stored,
    headStored: head !== null,
    older,
    gen: head?.gen ?? 0,
    ...(head?.retired ? { retired: head.retired } : {}),
  };
}

/**
 * The chunks to store `list` in: a stored entry stays in its chunk (readers read chunk by chunk, not at one instant: an
 * entry moved between two chunks could be missed), a new one fills the last chunk, then chunks at most half full (so
 * removals do not leave chunks behind for good), then new chunks. A new entry's dataset is not the user's yet (a create
 * inserts after listing, a transfer gives after adding), so a reader that misses it misses nothing.
 */
export function placeEntries(list: ListedDatasets, layout: Pick<StoredLayout, 'chunkOf' | 'stored'>): ListedDatasets[] {
  const chunks = Array.from({ length: Math.max(1, layout.stored.length) }, (): ListedDatasets => new Map());
  const fresh: [string, ListedEntry][] = [];
  for (const [id, entry] of list) {
    const index = layout.chunkOf.get(id);
    if (index === undefined) fresh.push([id, entry]);
    else chunks[index].set(id, entry);
  }
  const last = chunks.length - 1;
  const roomy = (i: number) => i !== last && layout.stored[i] !== UNREAD && chunks[i].size <= ENTRIES_PER_CHUNK / 2;
  const open = [last, ...[...chunks.keys()].filter(roomy)];
  for (const [id, entry] of fresh) {
    while (open.length > 0 && chunks[open[0]].size >= ENTRIES_PER_CHUNK) open.shift();
    if (open.length === 0) open.push(chunks.push(new Map()) - 1);
    chunks[open[0]].set(id, entry);
  }
  return chunks;
}

/** The chunks of `placed` whose bytes differ from what is stored (or are not stored), with their bytes. */
export function changedChunks(placed: readonly ListedDatasets[], stored: StoredLayout['stored']): { index: number; entries: Buffer }[] {
  return placed.flatMap((chunk, index) => {
    const before = stored[index];
    if (before === UNREAD) return [];
    const entries = encodeEntries(chunk);
    return before && before.equals(entries) ? [] : [{ index, entries }];
  });
}

/** A document's entries: its `entries`, or the fields a list of an older version has (entries without a state read as candidates). */
export function listed(doc: StoredChunk | null): ListedDatasets {
  if (doc?.entries) return decodeEntries(doc.entries instanceof Uint8Array ? doc.entries : doc.entries.value());
  return new Map((doc?.datasetIds ?? []).map((id) => [id, { key: doc?.sortKeys?.[id], state: doc?.states?.[id] }]));
}

/** Entries in chunks of ENTRIES_PER_CHUNK, in order (one empty chunk for none). */
export function split(entries: [string, ListedEntry][]): ListedDatasets[] {
  const chunks: ListedDatasets[] = [];
  for (let at = 0; at < entries.length || chunks.length === 0; at += ENTRIES_PER_CHUNK)
    chunks.push(new Map(entries.slice(at, at + ENTRIES_PER_CHUNK)));
  return chunks;
}
