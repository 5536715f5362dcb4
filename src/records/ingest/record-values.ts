import { TIMESTAMP_FIELD } from '../../datasets/dataset-shape';
import { isInstantInRange, parseIsoInstant } from '../../common/validation/instants';

/**
 * Bucket summaries add up to 20,000 values per field; keeping every value
 * within ±1e300 keeps those sums finite (a sum of Infinity could not even be
 * stored), and no measurement comes anywhere near it.
 */
export const MAX_ABS_VALUE = 1e300;

/**
 * Longest string value, in UTF-8 bytes. Points are labels and notes, not
 * documents; the bound keeps one point far below a bucket's size limit.
 */
export const MAX_STRING_BYTES = 64 * 1024;

/** C0 controls but TAB, LF and CR, and DEL: never text a training job wants, often a sign of binary junk. */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function isStorableNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_ABS_VALUE;
}

export function numberError(name: string, given: unknown): string {
  const shown = typeof given === 'number' ? String(given) : JSON.stringify(given).slice(0, 40);
  return typeof given === 'number' || (typeof given === 'string' && NUMBER.test(given))
    ? `${name} must be a number within ±${MAX_ABS_VALUE} (got ${shown})`
    : `${name} must be a number (got ${shown})`;
}

export function stringTooLong(name: string): string {
  return `${name} is longer than ${MAX_STRING_BYTES} bytes (the longest string value)`;
}

/** What is wrong with a string value, if anything. */
export function stringError(name: string, value: string): string | undefined {
  // length counts UTF-16 units: at most 3 UTF-8 bytes each, so the exact count is needed only near the limit.
  if (value.length > MAX_STRING_BYTES || (value.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(value, 'utf8') > MAX_STRING_BYTES)) {
    return stringTooLong(name);
  }
  const control = CONTROL_CHARACTER.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `${name} holds the control character U+${code} (only TAB, LF and CR are allowed)`;
  }
  return undefined;
}

/** Epoch milliseconds, or what is wrong with the given timestamp. */
export function timestampOf(given: unknown): number | string {
  if (given === undefined || given === null) return `${TIMESTAMP_FIELD} is required`;
  let t: number;
  if (typeof given === 'number') {
    if (!Number.isInteger(given)) return `${TIMESTAMP_FIELD} in epoch milliseconds must be an integer`;
    t = given;
  } else if (typeof given === 'string' && /^\d{4}-/.test(given)) {
    t = parseIsoInstant(given);
  } else {
    t = NaN;
  }
  if (Number.isNaN(t)) {
    return `${TIMESTAMP_FIELD} must be ISO 8601 with a time zone (e.g. 2026-01-01T00:00:00Z) or epoch milliseconds (got ${JSON.stringify(given).slice(0, 40)})`;
  }
  if (!isInstantInRange(t)) return `${TIMESTAMP_FIELD} must lie in the years 0000 to 9999`;
  return t;
}
