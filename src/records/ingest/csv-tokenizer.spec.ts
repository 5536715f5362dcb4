import { parse } from 'csv-parse/sync';
import { CsvCell, CsvSyntaxError, CsvTokenizer, NUMBER_CELL } from './csv-tokenizer';

/** Each record's cells, a number cell as its value. */
function tokenize(pieces: string[], numeric?: Parameters<CsvTokenizer['readNumbers']>[0]): (string | number | null)[][] {
  const tokenizer = new CsvTokenizer();
  if (numeric) tokenizer.readNumbers(numeric);
  const records: (string | number | null)[][] = [];
  const keep = (cells: readonly CsvCell[], count: number, numbers: Float64Array): number =>
    records.push(cells.slice(0, count).map((cell, i) => (cell === NUMBER_CELL ? numbers[i] : cell)));
  for (const piece of pieces) tokenizer.push(piece, keep);
  tokenizer.end(keep);
  return records;
}

const SAMPLES = [
  'timestamp,kw,note\n1,2,plain\n',
  'a,b\r\n1,2\r\n3,4',
  'a,b\n"with, comma","with ""quotes"""\n',
  'a,b\n"two\nlines",x\n"",""\n',
  '\uFEFFa,b\n1,2\n',
  'a,b\n\n1,2\n\n\n3,4\n',
  'a,b\n 1 , 2 \n" padded ",x\n',
  'a,b,c\n1,,\n,,\n',
  'a\n"ends with quote"""',
  'a,b\n1,"x"  \n',
  'a,b,c\n1,2,',
  'a,b,c\n1,, ',
];

describe(CsvTokenizer.name, () => {
  it.each(SAMPLES)('reads %j as csv-parse does', (text) => {
    const expected: string[][] = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true });
    expect(tokenize([text]).map((record) => record.map((cell) => cell ?? ''))).toEqual(expected);
  });

  it.each(SAMPLES)('reads %j the same whatever pieces it arrives in', (text) => {
    const whole = tokenize([text]);
    for (let cut = 1; cut < text.length; cut++) expect(tokenize([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    expect(tokenize([...text])).toEqual(whole);
  });

  it('tells an empty cell (null) from a quoted empty string', () => {
    expect(tokenize(['a,b,c\n,"",x\n"",,\n'])).toEqual([
      ['a', 'b', 'c'],
      [null, '', 'x'],
      ['', null, null],
    ]);
  });

  it('refuses an unterminated quoted cell and text after a closing quote', () => {
    expect(() => tokenize(['a\nb\n"open'])).toThrow(new CsvSyntaxError(2, 'has an unterminated quoted cell'));
    expect(() => tokenize(['a\n"x"y\n'])).toThrow(new CsvSyntaxError(1, 'has characters after a closing quote'));
  });

  it('reads plain numbers in the columns it is given as numbers, whatever pieces they arrive in, and all else as text', () => {
    const text = '1767225600000,-1.25 ,x\r\n"2",1e3,7\n-3,"4",\n+4,.5,\n12345678901234567,5.,-0\n';
    const expected = [
      [1767225600000, -1.25, 'x'],
      ['2', '1e3', '7'], // quoted, an exponent, a column read as text
      [-3, '4', null],
      ['+4', 0.5, null], // a timestamp is -?\d+
      ['12345678901234567', 5, '-0'], // more than 15 digits
    ];
    const kinds = ['integer', 'decimal'] as const;
    expect(tokenize([text], kinds)).toEqual(expected);
    for (let cut = 1; cut < text.length; cut++) expect(tokenize([text.slice(0, cut), text.slice(cut)], kinds)).toEqual(expected);
    expect(tokenize([...text], kinds)).toEqual(expected);
  });
});
