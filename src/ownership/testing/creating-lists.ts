import { Types } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { HeldLists, OwnedListedDataset } from '../owner-index';

type ListStep = 'hold' | 'list new' | 'confirm new' | 'release';

/**
 * OwnerIndex.creating as the datasets specs stand it in: every owner's list held but those of `busy`; `log` hears the hold,
 * each listing and confirmation (with the owners they touch) and the release, in the order they happen.
 */
export function creatingLists(log: (step: ListStep, owners: Types.ObjectId[]) => void = () => undefined, busy: Types.ObjectId[] = []) {
  const ownersOf = (datasets: readonly OwnedListedDataset[]): Types.ObjectId[] => [
    ...new Map(datasets.map(({ ownerId }) => [ownerId.toHexString(), ownerId])).values(),
  ];
  return jest.fn(async (ownerIds: Types.ObjectId[], create: (lists: HeldLists) => Promise<unknown>) => {
    const owners = ownerIds.filter((id) => !busy.some((other) => other.equals(id)));
    const lists = strictMock<HeldLists>('HeldLists', {
      owners,
      holds: jest.fn((id: Types.ObjectId) => owners.some((held) => held.equals(id))),
      listNew: jest.fn(async (datasets: OwnedListedDataset[]) => log('list new', ownersOf(datasets))),
      confirmNew: jest.fn(async (datasets: OwnedListedDataset[]) => log('confirm new', ownersOf(datasets))),
    });
    log('hold', owners);
    try {
      return await create(lists);
    } finally {
      log('release', owners);
    }
  });
}
