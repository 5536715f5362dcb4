import { Types } from 'mongoose';
import { principalOf } from '../access/testing/principals';
import { ForbiddenError, NotFoundError } from '../common/errors/domain-errors';
import { assertManageable, assertWritable, mayManage, mayRead, mayWrite, ownerFor, readerOf } from './dataset-access';
import { Dataset } from './schemas/dataset.schema';

const owner = new Types.ObjectId();
const reader = new Types.ObjectId();
const writer = new Types.ObjectId();
const stranger = new Types.ObjectId();

function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return {
    _id: new Types.ObjectId(),
    ownerId: owner,
    grants: [
      { userId: reader, level: 'read' },
      { userId: writer, level: 'write' },
    ],
    ...overrides,
  } as Dataset;
}

describe('dataset access rules', () => {
  const d = dataset();
  it.each([
    ['the owner', principalOf(owner), true, true, true],
    ["the owner's read-only token", principalOf(owner, { scopes: ['read'] }), true, false, false],
    ['a read grantee', principalOf(reader), true, false, false],
    ['a write grantee', principalOf(writer), true, true, false],
    ['a stranger', principalOf(stranger), false, false, false],
    ['an admin', principalOf(stranger, { admin: true }), true, true, true],
    ['an admin with a write token', principalOf(stranger, { admin: true, scopes: ['write'] }), false, false, false],
  ])('%s may read %s, write %s, manage %s a private dataset', (_, principal, read, write, manage) => {
    expect([mayRead(principal, d), mayWrite(principal, d), mayManage(principal, d)]).toEqual([read, write, manage]);
  });

  it('lets every authenticated user read an internal dataset, and only read it', () => {
    const open = dataset({ visibility: 'internal' });
    expect(mayRead(principalOf(stranger), open)).toBe(true);
    expect(mayWrite(principalOf(stranger), open)).toBe(false);
  });

  it('hides every dataset outside a token limit, from its owner and from an admin alike', () => {
    const elsewhere = principalOf(owner, { datasetIds: [new Types.ObjectId().toHexString()] });
    expect([mayRead(elsewhere, d), mayWrite(elsewhere, d), mayManage(elsewhere, d)]).toEqual([false, false, false]);
    const limitedAdmin = principalOf(stranger, { admin: true, datasetIds: [d._id.toHexString()] });
    expect(mayWrite(limitedAdmin, d)).toBe(true);
    expect(mayRead(limitedAdmin, dataset())).toBe(false);
    expect(readerOf(limitedAdmin)).toEqual({ userId: stranger, admin: true, datasetIds: [d._id.toHexString()] });
  });

  it('answers 404 to whoever may not read, 403 to whoever may read but not do it', () => {
    expect(() => assertWritable(principalOf(stranger), d, { id: d._id })).toThrow(NotFoundError);
    expect(() => assertWritable(principalOf(reader), d, { id: d._id })).toThrow(ForbiddenError);
    expect(() => assertManageable(principalOf(writer), d, { id: d._id }, 'transfer it')).toThrow('only the owner');
    expect(() => assertManageable(principalOf(owner, { scopes: ['read'] }), d, { id: d._id }, 'see it', true)).not.toThrow();
  });

  it('makes the caller the owner of a new dataset unless an admin names another', () => {
    expect(ownerFor({}, principalOf(owner))).toEqual(owner);
    expect(ownerFor({ ownerId: owner.toHexString() }, principalOf(owner))).toEqual(owner);
    expect(() => ownerFor({ ownerId: stranger.toHexString() }, principalOf(owner))).toThrow(ForbiddenError);
    expect(ownerFor({ ownerId: stranger.toHexString() }, principalOf(owner, { admin: true }))).toEqual(stranger);
  });
});
