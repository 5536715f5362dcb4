/**
 * Numbers read straight from a CSV cell's characters, for the common plain
 * forms only: no string per cell, no regular expression. Anything else
 * (exponents, more than 15 digits, trailing text) gives undefined and the
 * cell is read as text, through the checks and messages of csv-records.ts.
 */

const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
/** The blanks the tokenizer trims around a cell (shared with csv-tokenizer.ts). */
export const SPACE = 32;
export const TAB = 9;

/** Up to 15 digits fit a double exactly (< 2^53), and so does 10^15. */
const MAX_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: MAX_DIGITS + 1 }, (_, i) => 10 ** i);

/** How a CSV column's cells may be read as numbers: the timestamp column as `-?\d+`, a number field's as a decimal. */
export type NumericCell = 'integer' | 'decimal';

/**
 * Whether `text[start, end)` is a number on the fast path, written then to `out[at]` (not returned: a double
 * returned by a function not inlined is boxed, one heap number per cell, four million in a million-row upload).
 * `integer`: `-?\d+`; `decimal`: `[+-]?(\d+(\.\d*)?|\.\d+)`. The cell may end in spaces and tabs (the
 * tokenizer trims them). The value is what Number() gives for the same text: a digit string of at most 15
 * digits and a power of ten up to 1e15 are exact doubles, so their quotient is the correctly rounded value of
 * the decimal (the fast path of Clinger, 1990).
 */
export function readNumber(out: Float64Array, at: number, text: string, start: number, end: number, kind: NumericCell): boolean {
  while (end > start && (text.charCodeAt(end - 1) === SPACE || text.charCodeAt(end - 1) === TAB)) end--;
  let i = start;
  const sign = text.charCodeAt(i);
  const negative = sign === MINUS;
  if (negative || (sign === PLUS && kind === 'decimal')) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1; // digits after the point; -1: no point
  for (; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= ZERO && code <= NINE) {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (code === DOT && fraction < 0 && kind === 'decimal') {
      fraction = 0;
    } else {
      return false;
    }
  }
  if (digits === 0 || digits > MAX_DIGITS) return false;
  const value = fraction > 0 ? mantissa / POWERS_OF_TEN[fraction] : mantissa;
  out[at] = negative ? -value : value;
  return true;
}
