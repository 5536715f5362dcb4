import { chunkIdsOf, ENTRIES_PER_CHUNK, split, StoredLayout, UNREAD } from './owner-list-chunks';
import { ListedDatasets } from './owner-list-codec';
import { RetiredGeneration } from './schemas/owner-index.schema';

/** The chunks a list of `size` entries fills, packed (the head at least). */
export function chunksNeeded(size: number): number {
  return Math.max(1, Math.ceil(size / ENTRIES_PER_CHUNK));
}

/**
 * Whether a change stores its list compacted: when its entries, packed, would need fewer than half its chunks. Hysteresis: a
 * compacted list is packed (all chunks full but the last), so it compacts again only once it has lost about half its entries
 * (or, after growing, most of what it grew by): a list going back and forth around a chunk's edge (256 ↔ 257 entries, 1 or 2
 * chunks needed, 2 stored) never does, and each compaction (its packed chunks rewritten) follows at least about as many
 * removals, each a write anyway. Only a list read whole (not a create's read) in this version's form (an older form is
 * converted as it is, then compacted by a later change).
 */
export function shouldCompact(list: ListedDatasets, layout: Pick<StoredLayout, 'stored'>): boolean {
  if (layout.stored.some((bytes) => bytes === UNREAD || bytes === null)) return false;
  return 2 * chunksNeeded(list.size) < layout.stored.length;
}

/** A list stored anew, packed, in a new generation (docs/architecture.md#the-owner-index). */
export interface Compaction {
  gen: number;
  /** Its chunks, the head first. */
  placed: ListedDatasets[];
  /** The generation it replaces: deleted after the head names the new one. */
  retired: RetiredGeneration;
  /**
   * Ids of the new generation past its chunks that a compaction of this generation which crashed before its head's write may
   * have left (it had at most the chunks stored now: a generation never loses one): deleted before the head names it.
   */
  leftovers: string[];
}

/** The compaction of `list` (read whole, under its lock) if shouldCompact says so. */
export function compaction(ownerId: string, list: ListedDatasets, layout: Pick<StoredLayout, 'stored' | 'gen'>): Compaction | undefined {
  if (!shouldCompact(list, layout)) return undefined;
  const gen = layout.gen + 1;
  const placed = split([...list]);
  const chunks = layout.stored.length;
  return { gen, placed, retired: { gen: layout.gen, chunks }, leftovers: chunkIdsOf(ownerId, gen, placed.length, chunks) };
}

/** The ids of a retired generation's chunks after the head (the head is the list's one document of every generation). */
export function retiredIds(ownerId: string, retired: RetiredGeneration): string[] {
  return chunkIdsOf(ownerId, retired.gen, 1, retired.chunks);
}
