import { parseRangeInstant } from './records-query.dto';

describe(parseRangeInstant.name, () => {
  it('reads epoch milliseconds and RFC 3339 date-times of days that exist', () => {
    expect(parseRangeInstant('1795737600000')).toBe(1795737600000);
    expect(parseRangeInstant('-1000')).toBe(-1000);
    expect(parseRangeInstant('2026-11-27T00:00:00Z')).toBe(Date.UTC(2026, 10, 27));
    expect(parseRangeInstant('2026-02-30T00:00:00Z')).toBeNaN();
    expect(parseRangeInstant('2026-11-27')).toBeNaN();
    expect(parseRangeInstant('0x10')).toBeNaN();
  });
});
