import { Readable } from 'node:stream';
import type { DatasetField } from '../../datasets/dataset-shape';
import { parseRecords, RecordFormat } from './record-parsers';
import type { ParsedRow, PointBatch, RowError } from '../points';
import { MAX_STRING_BYTES } from './record-values';
import { MalformedBodyError } from './record-errors';

const FIELDS: DatasetField[] = [
  { name: 'kw', type: 'number' },
  { name: 'note', type: 'string' },
] as DatasetField[];
const LIMITS = { maxBytes: 1024 ** 3, maxRows: 1_000_000 };

/** A batch row by row, points and errors in order. */
function entriesOf(batch: PointBatch): (ParsedRow | RowError)[] {
  const entries: (ParsedRow | RowError)[] = [];
  let next = 0;
  for (let point = 0; point <= batch.size; point++) {
    while (next < batch.errors.length && batch.errorAt[next] === point) entries.push(batch.errors[next++]);
    if (point < batch.size)
      entries.push({ row: batch.rowOf[point], t: batch.t[point], values: batch.columns.map((column) => column[point]) });
  }
  return entries;
}

/** Every row the parser gives for a body sent in pieces of `piece` bytes. */
async function parse(format: RecordFormat, body: Buffer | string, piece = 7): Promise<(ParsedRow | RowError)[]> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const pieces = Array.from({ length: Math.ceil(bytes.length / piece) }, (_, i) => bytes.subarray(i * piece, (i + 1) * piece));
  const rows: (ParsedRow | RowError)[] = [];
  for await (const batch of parseRecords(Readable.from(pieces), format, FIELDS, LIMITS)) rows.push(...entriesOf(batch));
  return rows;
}

const errors = (rows: (ParsedRow | RowError)[]): RowError[] => rows.filter((row): row is RowError => 'error' in row);

/** `text` with a Latin-1 é (one byte, not UTF-8) in place of each `é`. */
const latin1 = (text: string): Buffer =>
  Buffer.concat(text.split('é').flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from([0xe9]), Buffer.from(part)])));

describe(parseRecords.name, () => {
  describe('invalid UTF-8 is refused, naming its row', () => {
    it.each([
      ['json', '[{"timestamp":1,"note":"a"},\n{"timestamp":2,"note":"b"},\n{"timestamp":3,"note":"café"}]'],
      ['ndjson', '{"timestamp":1,"note":"a"}\n{"timestamp":2,"note":"b"}\n{"timestamp":3,"note":"café"}\n'],
      ['csv', 'timestamp,note\n1,a\n2,"b\nwith a line break"\n3,café\n'],
    ] as const)('%s', async (format, body) => {
      for (const piece of [1, 5, 64 * 1024]) {
        const rows = await parse(format, latin1(body), piece);
        expect(errors(rows)).toEqual([{ row: 3, error: 'the row is not valid UTF-8' }]);
        expect(rows.filter((row) => 't' in row)).toHaveLength(2);
      }
    });

    it('keeps characters cut between pieces', async () => {
      const rows = await parse('csv', 'timestamp,note\n1,ünïcode ✓ 😀\n', 1);
      expect(rows).toEqual([{ row: 1, t: 1, values: [null, 'ünïcode ✓ 😀'] }]);
    });
  });

  describe('a CSV syntax error names its row (the header apart), whatever pieces the body comes in', () => {
    it.each([
      ['timestamp,note\n1,a\n2,b\n3,"open\n4,d\n', 'CSV row 3 has an unterminated quoted cell'],
      ['timestamp,note\n1,a\n2,"b"x\n3,c\n', 'CSV row 2 has characters after a closing quote'],
      ['timestamp,"note\n1,a\n', 'the CSV header has an unterminated quoted cell'],
    ])('%j', async (body, message) => {
      for (const piece of [1, 5, 64 * 1024]) await expect(parse('csv', body, piece)).rejects.toThrow(new MalformedBodyError(message));
    });
  });

  describe('string values', () => {
    const long = 'x'.repeat(MAX_STRING_BYTES + 1);
    it.each([
      [
        'json',
        JSON.stringify([
          { timestamp: 1, note: 'a' },
          { timestamp: 2, note: long },
        ]),
      ],
      ['ndjson', `{"timestamp":1,"note":"a"}\n${JSON.stringify({ timestamp: 2, note: long })}\n`],
      ['csv', `timestamp,note\n1,a\n2,${long}\n`],
      ['csv', `timestamp,note\n1,a\n2,"${long}"\n`],
    ] as const)('longer than the limit are refused in %s', async (format, body) => {
      expect(errors(await parse(format, body, 4096))).toEqual([
        { row: 2, error: `note is longer than ${MAX_STRING_BYTES} bytes (the longest string value)` },
      ]);
    });

    it('at the limit (in UTF-8 bytes) are taken', async () => {
      const exact = 'é'.repeat(MAX_STRING_BYTES / 2);
      expect(errors(await parse('ndjson', JSON.stringify({ timestamp: 1, note: exact }), 4096))).toEqual([]);
      expect(errors(await parse('ndjson', JSON.stringify({ timestamp: 1, note: `${exact}x` }), 4096))).toHaveLength(1);
    });

    it('does not hold a huge CSV cell to find it too long', async () => {
      const cell = 'y'.repeat(4 * MAX_STRING_BYTES);
      expect(errors(await parse('csv', `timestamp,kw,note\n1,2,"${cell}"\n`, 1024))).toEqual([
        { row: 1, error: `note is longer than ${MAX_STRING_BYTES} bytes (the longest string value)` },
      ]);
    });

    it.each(['\u0000', '\u0008', '\u000b', '\u000c', '\u000e', '\u001f', '\u007f'])(
      'with control character %j are refused',
      async (control) => {
        const code = control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
        const error = `note holds the control character U+${code} (only TAB, LF and CR are allowed)`;
        expect(errors(await parse('json', JSON.stringify([{ timestamp: 1, note: `a${control}b` }])))).toEqual([{ row: 1, error }]);
        expect(errors(await parse('ndjson', JSON.stringify({ timestamp: 1, note: `a${control}b` })))).toEqual([{ row: 1, error }]);
        expect(errors(await parse('csv', `timestamp,note\n1,"a${control}b"\n`))).toEqual([{ row: 1, error }]);
      },
    );

    it('with TAB, LF and CR are taken', async () => {
      expect(await parse('json', JSON.stringify([{ timestamp: 1, note: 'a\tb\nc\rd' }]))).toEqual([
        { row: 1, t: 1, values: [null, 'a\tb\nc\rd'] },
      ]);
    });
  });

  describe('keys that are not fields', () => {
    it.each(['json', 'ndjson'] as const)('refuses __proto__, constructor and toString in %s', async (format) => {
      const points = ['{"timestamp":1,"__proto__":{"kw":1}}', '{"timestamp":2,"constructor":1}', '{"timestamp":3,"toString":"x"}'];
      const body = format === 'json' ? `[${points.join(',')}]` : points.join('\n');
      expect(errors(await parse(format, body))).toEqual([
        { row: 1, error: 'unknown field "__proto__"' },
        { row: 2, error: 'unknown field "constructor"' },
        { row: 3, error: 'unknown field "toString"' },
      ]);
    });
  });
});

/** All rows, or the error that ends the body, for `limits` other than the defaults. */
async function parseWith(format: RecordFormat, body: string, limits = LIMITS): Promise<(ParsedRow | RowError)[]> {
  const rows: (ParsedRow | RowError)[] = [];
  for await (const batch of parseRecords(Readable.from([Buffer.from(body)]), format, FIELDS, limits)) rows.push(...entriesOf(batch));
  return rows;
}

/** The same points as a body in each format. */
const bodies = (points: Record<string, unknown>[]): Record<RecordFormat, string> => ({
  json: JSON.stringify(points),
  ndjson: points.map((point) => JSON.stringify(point)).join('\n'),
  csv: [
    'timestamp,kw,note',
    ...points.map((point) => ['timestamp', 'kw', 'note'].map((key) => String((point[key] as string | number | undefined) ?? '')).join(',')),
  ].join('\r\n'),
});

describe(`${parseRecords.name}: whole bodies`, () => {
  describe.each(['json', 'ndjson', 'csv'] as const)('%s', (format) => {
    it('reads good points in order, a missing value as null, ISO timestamps as epoch ms', async () => {
      const body = bodies([
        { timestamp: '2026-01-01T00:00:00Z', kw: 1.5, note: 'a' },
        { timestamp: 1_000, kw: -2 },
        { timestamp: 2_000, note: 'grüße ✓' },
      ])[format];
      expect(await parse(format, body)).toEqual([
        { row: 1, t: Date.parse('2026-01-01T00:00:00Z'), values: [1.5, 'a'] },
        { row: 2, t: 1_000, values: [-2, null] },
        { row: 3, t: 2_000, values: [null, 'grüße ✓'] },
      ]);
    });

    it('names each bad row and still gives the good ones', async () => {
      const body = bodies([
        { timestamp: 1, kw: 1 },
        { kw: 2 },
        { timestamp: 3, kw: 'lots' },
        { timestamp: 4, kw: 1e301 },
        { timestamp: 5, kw: 5 },
      ])[format];
      const rows = await parse(format, body);
      expect(errors(rows)).toEqual([
        { row: 2, error: 'timestamp is required' },
        { row: 3, error: 'kw must be a number (got "lots")' },
        { row: 4, error: `kw must be a number within ±1e+300 (got ${format === 'csv' ? '"1e+301"' : '1e+301'})` }, // a CSV cell is shown as text
      ]);
      expect(rows.filter((row) => 't' in row).map((row) => row.row)).toEqual([1, 5]);
    });

    it('refuses more rows than allowed', async () => {
      const body = bodies([{ timestamp: 1 }, { timestamp: 2 }, { timestamp: 3 }])[format];
      await expect(parseWith(format, body, { ...LIMITS, maxRows: 2 })).rejects.toThrow('more than 2 rows in one request');
    });

    it('refuses a body larger than allowed', async () => {
      const body = bodies([{ timestamp: 1, note: 'x'.repeat(100) }])[format];
      await expect(parseWith(format, body, { ...LIMITS, maxBytes: 50 })).rejects.toThrow('request body larger than 50 bytes');
    });
  });

  it('reads CSV numbers the same whether they come with the header (as text) or after it (straight from the characters)', async () => {
    const body = 'timestamp,kw,note\n1,-0,a\n2, 12.50 ,b\n3,+.5,3\n4,5.,\n5,1e3,x\n06,"7",y\n7,1.2.3,z\n+8,1,w\n9,12345678901234567,v\n';
    const expected = [
      { row: 1, t: 1, values: [-0, 'a'] },
      { row: 2, t: 2, values: [12.5, 'b'] },
      { row: 3, t: 3, values: [0.5, '3'] },
      { row: 4, t: 4, values: [5, null] },
      { row: 5, t: 5, values: [1000, 'x'] },
      { row: 6, t: 6, values: [7, 'y'] },
      { row: 7, error: 'kw must be a number (got "1.2.3")' },
      {
        row: 8,
        error: 'timestamp must be ISO 8601 with a time zone (e.g. 2026-01-01T00:00:00Z) or epoch milliseconds (got "+8")',
      },
      { row: 9, t: 9, values: [Number('12345678901234567'), 'v'] }, // more than 15 digits: the text path
    ];
    for (const piece of [body.length, 18, 7, 1]) {
      const rows = await parse('csv', body, piece);
      expect(rows).toEqual(expected);
      expect(Object.is((rows[0] as ParsedRow).values[0], -0)).toBe(true);
    }
  });

  it.each(['json', 'ndjson'] as const)('names the unknown fields of a point in %s, in its row', async (format) => {
    const body = bodies([
      { timestamp: 1, kw: 1 },
      { timestamp: 2, kw: 1, colour: 'red', size: 3 },
    ])[format];
    expect(errors(await parse(format, body))).toEqual([{ row: 2, error: 'unknown field "colour", "size"' }]);
  });

  it('refuses a CSV header with an unknown column, or without timestamp', async () => {
    await expect(parse('csv', 'timestamp,kw,colour\n1,2,red\n')).rejects.toThrow('CSV header names unknown columns: colour');
    await expect(parse('csv', 'kw,note\n2,a\n')).rejects.toThrow('CSV header must have a "timestamp" column');
  });

  it('gives a CSV point none of the values of a row refused before it, in the same piece or an earlier one', async () => {
    const body = 'timestamp,kw,note\n1,5,"a\u0001"\n2,,b\n3,7,x\n4,"8",\n';
    for (const piece of [body.length, 20, 1]) {
      expect(await parse('csv', body, piece)).toEqual([
        { row: 1, error: 'note holds the control character U+0001 (only TAB, LF and CR are allowed)' },
        { row: 2, t: 2, values: [null, 'b'] },
        { row: 3, t: 3, values: [7, 'x'] },
        { row: 4, t: 4, values: [8, null] },
      ]);
      expect(await parse('csv', 'note,timestamp\nx,1\ny,z\n,3\n', piece)).toEqual([
        { row: 1, t: 1, values: [null, 'x'] },
        { row: 2, error: expect.stringContaining('timestamp must be ISO 8601') as string },
        { row: 3, t: 3, values: [null, null] },
      ]);
    }
  });

  it('refuses an epoch-milliseconds timestamp outside the years 0000 to 9999 in any format, in its row', async () => {
    const error = { row: 2, error: 'timestamp must lie in the years 0000 to 9999' };
    for (const t of [253402300800000, -62167219200001]) {
      const body = bodies([{ timestamp: 1 }, { timestamp: t }]);
      for (const format of ['json', 'ndjson', 'csv'] as const) expect(errors(await parse(format, body[format]))).toEqual([error]);
    }
    expect(await parse('csv', 'timestamp\n253402300799999\n-62167219200000\n')).toEqual([
      { row: 1, t: 253402300799999, values: [null, null] },
      { row: 2, t: -62167219200000, values: [null, null] },
    ]);
  });

  it('names a CSV row with the wrong number of cells', async () => {
    expect(errors(await parse('csv', 'timestamp,kw,note\n1,2,a\n2,3\n'))).toEqual([{ row: 2, error: 'the row has 2 cells, the header 3' }]);
  });

  it('names an NDJSON line that is not JSON, or not an object', async () => {
    expect(errors(await parse('ndjson', '{"timestamp":1}\n{"timestamp":\n[1]\n{"timestamp":4}\n'))).toEqual([
      { row: 2, error: 'line is not JSON' },
      { row: 3, error: 'a point must be an object' },
    ]);
  });

  it('refuses a JSON body that is not an array of points as a whole', async () => {
    await expect(parse('json', '{"timestamp":1}')).rejects.toThrow('body is not a JSON array of points');
    await expect(parse('json', '[{"timestamp":1},')).rejects.toThrow('body is not a JSON array of points');
  });

  it.each(['json', 'ndjson', 'csv'] as const)(
    'skips a UTF-8 byte-order mark and keeps characters cut between pieces in %s',
    async (format) => {
      const body = `\ufeff${bodies([{ timestamp: 1, note: 'ünïcode ✓ 😀' }])[format]}`;
      expect(await parse(format, body, 1)).toEqual([{ row: 1, t: 1, values: [null, 'ünïcode ✓ 😀'] }]);
    },
  );
});
