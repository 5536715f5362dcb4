import { InvalidInputError } from '../errors/domain-errors';
import { Types } from 'mongoose';
import { afterCursor, pageOf, sortSpec } from './cursor';

const rows = [1, 2, 3].map((n) => ({ _id: new Types.ObjectId(), name: `n${n}`, createdAt: new Date(Date.UTC(2026, 0, n)) }));

describe('keyset cursor', () => {
  it('has no next page when the extra row is missing', () => {
    expect(pageOf(rows, 3, 'users', 'name', 'asc', (row) => row.name)).toEqual({ rows, nextCursor: null });
  });

  it('continues after (sort value, id) of the last row, in either direction', () => {
    const { rows: page, nextCursor } = pageOf(rows, 2, 'users', 'createdAt', 'desc', (row) => row.createdAt);
    expect(page).toEqual(rows.slice(0, 2));
    expect(afterCursor(nextCursor ?? '', 'users', 'createdAt', 'desc')).toEqual({
      $or: [{ createdAt: { $lt: rows[1].createdAt } }, { createdAt: rows[1].createdAt, _id: { $lt: rows[1]._id } }],
    });
    expect(sortSpec('createdAt', 'desc')).toEqual({ createdAt: -1, _id: -1 });
  });

  it('refuses a cursor of another list, sort or order', () => {
    const { nextCursor } = pageOf(rows, 1, 'users', 'name', 'asc', (row) => row.name);
    expect(() => afterCursor(nextCursor ?? '', 'datasets', 'name', 'asc')).toThrow('cursor was issued for another list');
    expect(() => afterCursor(nextCursor ?? '', 'users', 'name', 'desc')).toThrow(InvalidInputError);
    expect(() => afterCursor(nextCursor ?? '', 'users', 'createdAt', 'asc')).toThrow(InvalidInputError);
  });

  it.each([
    '',
    'garbage',
    Buffer.from('{"c":"users","s":"name","o":"asc","v":{"$gt":""},"t":"string","i":"x"}').toString('base64url'),
    Buffer.from('{"c":"users","s":"name","o":"asc","v":"a","t":"string","i":"0123456789abcdef01234567","$where":"1"}').toString(
      'base64url',
    ),
  ])('refuses a forged cursor %j', (cursor) => {
    expect(() => afterCursor(cursor, 'users', 'name', 'asc')).toThrow('cursor is not one this service issued');
  });
});
