/** Where the specs' and e2e tests' series start, and the spans they step by (milliseconds). */
export const T0 = Date.parse('2026-11-27T00:00:00Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
