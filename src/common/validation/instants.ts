/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: what ISO 8601's four-digit years can write. */
export const MIN_INSTANT = -62_167_219_200_000;
export const MAX_INSTANT = 253_402_300_799_999;

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * Epoch milliseconds of an ISO 8601 date, or date-time with a zone; NaN for
 * anything else. Unlike Date.parse, it refuses dates that do not exist:
 * Date.parse reads 2026-02-30 as March 2nd.
 */
export function parseIsoInstant(text: string): number {
  const match = ISO_INSTANT.exec(text);
  if (!match) return NaN;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((part) => Number(part ?? 0));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  return Date.parse(text);
}

export function isInstantInRange(t: number): boolean {
  return t >= MIN_INSTANT && t <= MAX_INSTANT;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
