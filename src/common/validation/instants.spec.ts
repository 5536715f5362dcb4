import { MAX_INSTANT, MIN_INSTANT, parseIsoInstant } from './instants';

describe(parseIsoInstant.name, () => {
  it.each([
    ['2026-11-27T00:00:00Z', Date.UTC(2026, 10, 27)],
    ['2026-11-27T01:30:15.250+01:00', Date.UTC(2026, 10, 27, 0, 30, 15, 250)],
    ['2026-11-27T01:30+0100', Date.UTC(2026, 10, 27, 0, 30)],
    ['2026-11-27', Date.UTC(2026, 10, 27)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0000-01-01T00:00:00Z', MIN_INSTANT],
    ['9999-12-31T23:59:59.999Z', MAX_INSTANT],
  ])('reads %s', (text, expected) => {
    expect(parseIsoInstant(text)).toBe(expected);
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T00:60:00Z',
    '2026-01-01T00:00:60Z',
    '2026-01-01T00:00:00',
    '2026-1-1T00:00:00Z',
    'yesterday',
  ])('refuses %s', (text) => {
    expect(parseIsoInstant(text)).toBeNaN();
  });
});
