import { isoTimestamps } from './iso-timestamps';

describe(isoTimestamps.name, () => {
  const expectSameAsDate = (times: number[]): void => {
    const iso = isoTimestamps();
    for (const t of times) expect([t, iso(t)]).toEqual([t, new Date(t).toISOString()]);
  };

  it('formats a run of timestamps as toISOString does, across seconds, minutes, days and years', () => {
    const times: number[] = [];
    for (let t = Date.parse('2026-12-31T23:58:58.990Z'); t < Date.parse('2027-01-01T00:01:02Z'); t += 7) times.push(t);
    expectSameAsDate(times);
  });

  it('formats timestamps before 1970 and at the ends of the years 0000–9999', () => {
    expectSameAsDate([
      -1,
      -999,
      -1000,
      -60_000,
      -60_001,
      0,
      59_999,
      Date.parse('0000-01-01T00:00:00Z'),
      Date.parse('9999-12-31T23:59:59.999Z'),
    ]);
  });

  it('formats timestamps out of order, and ones toISOString writes differently (beyond 9999, fractions)', () => {
    expectSameAsDate([
      Date.parse('2026-05-01T10:00:01.5Z'),
      5,
      Date.parse('+010000-01-01T00:00:00Z') + 61_001,
      1.5,
      -0.5,
      1_767_225_600_123,
    ]);
  });
});
