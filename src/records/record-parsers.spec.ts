import { Readable } from 'node:stream';
import { DatasetField } from '../datasets/schemas/dataset.schema';
import { parseRecords, ParsedRow, RecordFormat, RowError } from './record-parsers';
import { MAX_STRING_BYTES } from './record-values';

const FIELDS: DatasetField[] = [
  { name: 'kw', type: 'number' },
  { name: 'note', type: 'string' },
] as DatasetField[];
const LIMITS = { maxBytes: 1024 ** 3, maxRows: 1_000_000 };

/** Every row the parser gives for a body sent in pieces of `piece` bytes. */
async function parse(format: RecordFormat, body: Buffer | string, piece = 7): Promise<(ParsedRow | RowError)[]> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const pieces = Array.from({ length: Math.ceil(bytes.length / piece) }, (_, i) => bytes.subarray(i * piece, (i + 1) * piece));
  const rows: (ParsedRow | RowError)[] = [];
  for await (const batch of parseRecords(Readable.from(pieces), format, FIELDS, LIMITS)) rows.push(...batch);
  return rows;
}

const errors = (rows: (ParsedRow | RowError)[]): RowError[] => rows.filter((row): row is RowError => 'error' in row);

/** `text` with a Latin-1 é (one byte, not UTF-8) in place of each `é`. */
const latin1 = (text: string): Buffer => Buffer.concat(text.split('é').flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from([0xe9]), Buffer.from(part)])));

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

  describe('string values', () => {
    const long = 'x'.repeat(MAX_STRING_BYTES + 1);
    it.each([
      ['json', JSON.stringify([{ timestamp: 1, note: 'a' }, { timestamp: 2, note: long }])],
      ['ndjson', `{"timestamp":1,"note":"a"}\n${JSON.stringify({ timestamp: 2, note: long })}\n`],
      ['csv', `timestamp,note\n1,a\n2,${long}\n`],
      ['csv', `timestamp,note\n1,a\n2,"${long}"\n`],
    ] as const)('longer than the limit are refused in %s', async (format, body) => {
      expect(errors(await parse(format, body, 4096))).toEqual([{ row: 2, error: `note is longer than ${MAX_STRING_BYTES} bytes (the longest string value)` }]);
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

    it.each(['\u0000', '\u0008', '\u000b', '\u000c', '\u000e', '\u001f', '\u007f'])('with control character %j are refused', async (control) => {
      const code = control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      const error = `note holds the control character U+${code} (only TAB, LF and CR are allowed)`;
      expect(errors(await parse('json', JSON.stringify([{ timestamp: 1, note: `a${control}b` }])))).toEqual([{ row: 1, error }]);
      expect(errors(await parse('ndjson', JSON.stringify({ timestamp: 1, note: `a${control}b` })))).toEqual([{ row: 1, error }]);
      expect(errors(await parse('csv', `timestamp,note\n1,"a${control}b"\n`))).toEqual([{ row: 1, error }]);
    });

    it('with TAB, LF and CR are taken', async () => {
      expect(await parse('json', JSON.stringify([{ timestamp: 1, note: 'a\tb\nc\rd' }]))).toEqual([{ row: 1, t: 1, values: [null, 'a\tb\nc\rd'] }]);
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
