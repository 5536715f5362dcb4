import { Types } from 'mongoose';
import type { OwnerIndex } from '../owner-index';

let nextSeq = 0;

/** `count` new datasets as a list names them: fresh ids, increasing numbers, creation times in their order. */
export const newListed = (count: number) =>
  Array.from({ length: count }, () => ({ _id: new Types.ObjectId(), seq: ++nextSeq, createdAt: new Date(1_000 * nextSeq) }));
export type Listed = ReturnType<typeof newListed>[number];

/** A create's datasets listed new under `owner` and confirmed, holding the owner's list. */
export async function createdUnder(index: OwnerIndex, owner: Types.ObjectId, some: Listed[]): Promise<void> {
  await index.creating([owner], async (lists) => {
    const owned = some.map((dataset) => ({ ...dataset, ownerId: owner }));
    await lists.listNew(owned);
    await lists.confirmNew(owned);
  });
}
