import { ConflictError, UnprocessableError } from '../common/errors/domain-errors';
import { Types } from 'mongoose';
import { strictMock } from '../common/testing/strict-mock';
import { EntityLocks } from '../common/locks/entity-locks';
import { LiveUsers } from './live-users';
import { DatasetOwners } from './dataset-owners';

const [present, deleting, missing] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];

function build() {
  const calls: string[] = [];
  const heldFor = jest.fn(async () => {
    calls.push('locks');
    return new Set([`user:${deleting.toHexString()}`]);
  });
  const existing = [present, deleting];
  const liveIds = jest.fn(async (ids: readonly Types.ObjectId[]) => {
    calls.push('users');
    return ids.filter((id) => existing.some((e) => e.equals(id)));
  });
  const owners = new DatasetOwners(strictMock<EntityLocks>('EntityLocks', { heldFor }), strictMock<LiveUsers>('LiveUsers', { liveIds }));
  return { owners, calls, heldFor };
}

describe(DatasetOwners.name, () => {
  it('tells available, missing and being-deleted owners apart', async () => {
    const { owners, heldFor } = build();
    const availability = await owners.availability([present, deleting, missing]);
    expect(Object.fromEntries(availability)).toEqual({
      [present.toHexString()]: 'available',
      [deleting.toHexString()]: 'being-deleted',
      [missing.toHexString()]: 'missing',
    });
    expect(heldFor).toHaveBeenCalledWith(
      [present, deleting, missing].map((id) => `user:${id.toHexString()}`),
      'delete-user',
    );
  });

  it('reads the deletion locks before the users, so a deletion finishing in between is not missed', async () => {
    const { owners, calls } = build();
    await owners.availability([present]);
    expect(calls).toEqual(['locks', 'users']);
  });

  it('reads the locks and the users at once only for a look that guards nothing (a create before numbering)', async () => {
    const { owners, calls, heldFor } = build();
    let locksRead = (): void => undefined;
    heldFor.mockImplementation(async () => {
      calls.push('locks');
      await new Promise<void>((resolve) => (locksRead = resolve));
      return new Set<string>();
    });
    const look = owners.availability([present], { guard: false });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['locks', 'users']);
    locksRead();
    expect((await look).get(present.toHexString())).toBe('available');

    calls.length = 0;
    const check = owners.availability([present]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['locks']);
    locksRead();
    await check;
    expect(calls).toEqual(['locks', 'users']);
  });

  it('explains an unavailable owner: 422 when missing, 409 while being deleted', async () => {
    const { owners } = build();
    await expect(owners.assertAvailable(present)).resolves.toBeUndefined();
    await expect(owners.assertAvailable(missing)).rejects.toBeInstanceOf(UnprocessableError);
    await expect(owners.assertAvailable(deleting)).rejects.toBeInstanceOf(ConflictError);
  });
});
