import { Types } from 'mongoose';
import { decodeEntries, encodeEntries, ENTRY_BYTES, ListedDatasets } from './owner-list-codec';
import { ENTRY_STATE } from './schemas/owner-index.schema';

describe('owner list codec', () => {
  it('keeps ids, sort keys, states and order, and entries without keys or a state as they are', () => {
    const ids = Array.from({ length: 4 }, () => new Types.ObjectId().toHexString());
    const list: ListedDatasets = new Map([
      [ids[0], { key: { seq: 9_007_199_254_740_991, at: Date.UTC(2026, 11, 5, 1, 2, 3, 456) }, state: ENTRY_STATE.confirmed }],
      [ids[1], { key: { seq: 1, at: 0 }, state: ENTRY_STATE.pending }],
      [ids[2], { state: ENTRY_STATE.candidate }],
      [ids[3], { key: { seq: 2, at: -86_400_000 } }],
    ]);
    const bytes = encodeEntries(list);
    expect(bytes.length).toBe(4 * ENTRY_BYTES);
    const decoded = decodeEntries(new Uint8Array(bytes));
    expect([...decoded]).toEqual([...list]);
    expect(decoded.get(ids[2])).toEqual({ state: ENTRY_STATE.candidate });
    expect(decoded.get(ids[3])).toEqual({ key: { seq: 2, at: -86_400_000 } });
  });

  it('reads a view into a larger buffer (as the driver hands out), and an empty list', () => {
    const id = new Types.ObjectId().toHexString();
    const bytes = encodeEntries(new Map([[id, { key: { seq: 7, at: 70 }, state: ENTRY_STATE.confirmed }]]));
    const padded = Buffer.concat([Buffer.alloc(5, 0xff), bytes, Buffer.alloc(3, 0xff)]);
    expect([...decodeEntries(padded.subarray(5, 5 + ENTRY_BYTES))]).toEqual([
      [id, { key: { seq: 7, at: 70 }, state: ENTRY_STATE.confirmed }],
    ]);
    expect(decodeEntries(encodeEntries(new Map())).size).toBe(0);
  });

  it('refuses what is not whole entries and ids that are not dataset ids', () => {
    expect(() => decodeEntries(Buffer.alloc(ENTRY_BYTES + 1))).toThrow('is not whole entries');
    expect(() => encodeEntries(new Map([['not-an-id', {}]]))).toThrow('not a dataset id: not-an-id');
  });
});
