import { Readable } from 'node:stream';
import { TIMESTAMP_FIELD } from '../../datasets/dataset-shape';
import type { DatasetField } from '../../datasets/dataset-shape';
import { Value } from '../points';
import { CsvCell, CsvCellTooLongError, CsvTokenizer } from './csv-tokenizer';
import type { ParsedRow, RowError } from '../points';
import { asBodyError, MalformedBodyError } from './record-errors';
import { isStorableNumber, MAX_STRING_BYTES, NUMBER, numberError, stringError, stringTooLong, timestampOf } from './record-values';
import { InvalidUtf8Error, StrictUtf8Decoder } from './utf8';

/**
 * A raw cell may hold twice its text (quotes are doubled) and a character is
 * at least one byte: beyond this the cell is too long whatever it holds, so
 * the tokenizer stops there instead of buffering a 20 MB cell.
 */
const MAX_RAW_CELL_CHARS = 2 * MAX_STRING_BYTES + 2;

/** The points of a CSV body with a header row, one batch per piece of the body. */
export async function* csvRows(input: Readable, fields: readonly DatasetField[]): AsyncGenerator<(ParsedRow | RowError)[]> {
  const decoder = new StrictUtf8Decoder();
  const tokenizer = new CsvTokenizer(MAX_RAW_CELL_CHARS);
  let header: CsvColumn[] | undefined;
  let row = 0;
  const points = (records: CsvCell[][]): (ParsedRow | RowError)[] => {
    const batch: (ParsedRow | RowError)[] = [];
    for (const cells of records) {
      if (header) batch.push(csvPoint(++row, cells, header, fields.length));
      else {
        header = csvHeader(
          cells.map((cell) => String(cell ?? '')),
          fields,
        );
        tokenizer.readNumbers(header.map(({ type }) => (type === 'timestamp' ? 'integer' : type === 'number' ? 'decimal' : undefined)));
      }
    }
    return batch;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) yield points(tokenizer.push(decoder.write(chunk)));
    yield points(tokenizer.push(decoder.end()).concat(tokenizer.end()));
  } catch (error) {
    if (error instanceof InvalidUtf8Error) {
      // What decoded cleanly completes the rows before; the bad bytes are in the next one.
      const before = points(tokenizer.push(error.validText));
      if (!header) throw new MalformedBodyError('the CSV header is not valid UTF-8');
      yield [...before, { row: row + 1, error: 'the row is not valid UTF-8' }];
      return;
    }
    if (error instanceof CsvCellTooLongError && header) {
      const name = header[error.cell]?.name ?? `cell ${error.cell + 1}`;
      yield [{ row: error.record, error: stringTooLong(name) }];
      return;
    }
    throw asBodyError(error, `CSV row ${row + 1} could not be read`);
  }
  if (!header) throw new MalformedBodyError('the body holds no CSV header');
}

/** A CSV column: the timestamp (field -1) or the field at `field` in the dataset's list. */
type CsvColumn = { name: string; type: DatasetField['type'] | 'timestamp'; field: number };

function csvHeader(cells: string[], fields: readonly DatasetField[]): CsvColumn[] {
  const unknown = cells.filter((cell) => cell !== TIMESTAMP_FIELD && !fields.some((field) => field.name === cell));
  if (!cells.includes(TIMESTAMP_FIELD)) throw new MalformedBodyError(`CSV header must have a "${TIMESTAMP_FIELD}" column`);
  if (unknown.length > 0) throw new MalformedBodyError(`CSV header names unknown columns: ${unknown.join(', ')}`);
  if (new Set(cells).size !== cells.length) throw new MalformedBodyError('CSV header repeats a column');
  return cells.map((name) => {
    const field = fields.findIndex((candidate) => candidate.name === name);
    return { name, type: field < 0 ? 'timestamp' : fields[field].type, field };
  });
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/**
 * A CSV record as a point, its cells converted to the column types (an empty
 * cell is null, a quoted empty one the empty string). Straight from cells to
 * values: this runs a million times per million-row upload.
 */
function csvPoint(row: number, cells: CsvCell[], header: CsvColumn[], fieldCount: number): ParsedRow | RowError {
  if (cells.length !== header.length) return { row, error: `the row has ${cells.length} cells, the header ${header.length}` };
  // Holes, not nulls, until the end: an array of numbers then holds them unboxed (no object per value).
  const values: Value[] = new Array<Value>(fieldCount);
  let t: number | string = `${TIMESTAMP_FIELD} is required`;
  for (let i = 0; i < header.length; i++) {
    const { name, type, field } = header[i];
    const cell = cells[i];
    if (field < 0) {
      t = timestampOf(typeof cell === 'string' && /^-?\d+$/.test(cell) ? Number(cell) : cell);
      if (typeof t === 'string') return { row, error: t };
    } else if (cell === null) {
      continue;
    } else if (typeof cell === 'number') {
      values[field] = cell; // read by the tokenizer: a plain decimal of at most 15 digits, storable
    } else if (type === 'number') {
      const number = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!isStorableNumber(number)) return { row, error: numberError(name, cell) };
      values[field] = number;
    } else if (type === 'boolean') {
      const value = BOOLEANS[cell.toLowerCase()];
      if (value === undefined) return { row, error: `${name} must be a boolean (got ${JSON.stringify(cell).slice(0, 40)})` };
      values[field] = value;
    } else {
      const error = stringError(name, cell);
      if (error) return { row, error };
      values[field] = cell;
    }
  }
  for (let i = 0; i < fieldCount; i++) if (values[i] === undefined) values[i] = null;
  return { row, t: t as number, values };
}
