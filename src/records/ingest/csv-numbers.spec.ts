import { NumericCell, readNumber } from './csv-numbers';
import { NUMBER } from './record-values';

/** What the text path makes of a cell: the regular expression and Number(), as csv-records.ts does. */
function slowPath(text: string, kind: NumericCell): number | undefined {
  const trimmed = text.trimEnd();
  const accepted = kind === 'integer' ? /^-?\d+$/.test(trimmed) : NUMBER.test(trimmed);
  return accepted ? Number(trimmed) : undefined;
}

/** What readNumber writes for the cell, or undefined when the fast path does not apply. */
function numberAt(text: string, start: number, end: number, kind: NumericCell): number | undefined {
  const out = new Float64Array(1);
  return readNumber(out, 0, text, start, end, kind) ? out[0] : undefined;
}

describe(readNumber.name, () => {
  const plain = ['0', '-0', '7', '007', '-12', '1767225600000', '123456789012345', '-999999999999999'];
  const decimals = ['1.5', '-1.5', '+1.5', '5.', '.5', '-.5', '+.5', '0.1', '0.3', '123.456', '-0.000001', '99999999999999.9', '1.00'];
  const neither = ['', '-', '+', '.', '-.', '1e5', '1E-3', '1.2.3', '1,5', 'NaN', 'Infinity', '0x10', '١٢', '1_000', '12a', ' 5'];

  it.each([...plain, ...decimals])('reads %j as Number() does (bit for bit, -0 included)', (text) => {
    expect(Object.is(numberAt(text, 0, text.length, 'decimal'), Number(text))).toBe(true);
  });

  it.each(plain)('reads the timestamp %j as Number() does', (text) => {
    expect(Object.is(numberAt(text, 0, text.length, 'integer'), Number(text))).toBe(true);
  });

  it.each([...decimals, '+5'])('leaves %j to the text path as a timestamp (not -?\\d+)', (text) => {
    expect(numberAt(text, 0, text.length, 'integer')).toBeUndefined();
  });

  it.each(neither)('leaves %j to the text path', (text) => {
    expect(numberAt(text, 0, text.length, 'decimal')).toBeUndefined();
  });

  it('leaves more than 15 digits to the text path (they may not be exact)', () => {
    expect(numberAt('1234567890123456', 0, 16, 'integer')).toBeUndefined();
    expect(numberAt('0.1234567890123456', 0, 18, 'decimal')).toBeUndefined();
  });

  it('reads only its slice of the text, and ignores spaces and tabs after the number', () => {
    expect(numberAt('x,12.5 \t,y', 2, 8, 'decimal')).toBe(12.5);
    expect(numberAt('1,-42', 2, 5, 'integer')).toBe(-42);
  });

  it('reads 100,000 random plain cells of up to 15 digits as the text path does', () => {
    let seed = 20;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const mismatches: string[] = [];
    for (let n = 0; n < 100_000; n++) {
      let text = '';
      for (let i = 1 + Math.floor(random() * 15); i > 0; i--) text += String(Math.floor(random() * 10));
      const point = Math.floor(random() * (text.length + 2)) - 1; // -1: none
      if (point >= 0) text = `${text.slice(0, point)}.${text.slice(point)}`;
      if (random() < 0.3) text = `-${text}`;
      // Every such cell is a plain decimal; a timestamp only without a point.
      if (!Object.is(numberAt(text, 0, text.length, 'decimal'), slowPath(text, 'decimal'))) mismatches.push(`decimal ${text}`);
      if (!Object.is(numberAt(text, 0, text.length, 'integer'), slowPath(text, 'integer'))) mismatches.push(`integer ${text}`);
    }
    expect(mismatches).toEqual([]);
  });
});
