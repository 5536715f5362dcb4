import { Readable } from 'node:stream';
import { TIMESTAMP_FIELD } from '../../datasets/dataset-shape';
import type { DatasetField } from '../../datasets/dataset-shape';
import { PointBatch } from '../points';
import { isInstantInRange } from '../../common/validation/instants';
import { CsvCell, CsvCellTooLongError, CsvSyntaxError, CsvTokenizer, NUMBER_CELL } from './csv-tokenizer';
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
export async function* csvRows(input: Readable, fields: readonly DatasetField[]): AsyncGenerator<PointBatch> {
  const decoder = new StrictUtf8Decoder();
  const tokenizer = new CsvTokenizer(MAX_RAW_CELL_CHARS);
  let header: CsvColumn[] | undefined;
  let row = 0;
  const batch = new PointBatch(fields.length);
  /** Fields with no column in the header: null in every point. */
  let unnamed: number[] = [];
  const take = (cells: readonly CsvCell[], count: number, numbers: Float64Array): void => {
    if (header) {
      const error = addCsvPoint(batch, ++row, cells, count, numbers, header, unnamed);
      if (error) batch.refuse({ row, error });
      return;
    }
    const named = (header = csvHeader(
      cells.slice(0, count).map((cell) => (typeof cell === 'string' ? cell : '')), // no number cells before readNumbers
      fields,
    ));
    unnamed = fields.map((_, field) => field).filter((field) => !named.some((column) => column.field === field));
    tokenizer.readNumbers(header.map(({ type }) => (type === 'timestamp' ? 'integer' : type === 'number' ? 'decimal' : undefined)));
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      batch.clear();
      tokenizer.push(decoder.write(chunk), take);
      yield batch;
    }
    batch.clear();
    tokenizer.push(decoder.end(), take);
    tokenizer.end(take);
    yield batch;
  } catch (error) {
    batch.clear();
    if (error instanceof InvalidUtf8Error) {
      // What decoded cleanly completes the rows before; the bad bytes are in the next one.
      tokenizer.push(error.validText, take);
      if (!header) throw new MalformedBodyError('the CSV header is not valid UTF-8');
      batch.refuse({ row: row + 1, error: 'the row is not valid UTF-8' });
      yield batch;
      return;
    }
    if (error instanceof CsvCellTooLongError && header) {
      const name = header[error.cell]?.name ?? `cell ${error.cell + 1}`;
      // Alone: the rows the same piece completed before it are not given (nor their errors).
      batch.refuse({ row: error.record, error: stringTooLong(name) });
      yield batch;
      return;
    }
    if (error instanceof CsvSyntaxError)
      throw new MalformedBodyError(error.record === 0 ? `the CSV header ${error.problem}` : `CSV row ${error.record} ${error.problem}`);
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
 * Adds a CSV record to the batch as a point, its cells converted to the column
 * types (an empty cell is null, a quoted empty one the empty string); or says
 * what is wrong with it, adding nothing. Straight from cells to the batch's
 * columns: this runs a million times per million-row upload.
 */
function addCsvPoint(
  batch: PointBatch,
  row: number,
  // The record as the tokenizer gives it (csv-tokenizer.ts), passed as it is: an object holding them would be one more per row.
  cells: readonly CsvCell[],
  count: number,
  numbers: Float64Array,
  header: CsvColumn[],
  unnamed: readonly number[],
): string | undefined {
  if (count !== header.length) return `the row has ${count} cells, the header ${header.length}`;
  const { columns } = batch;
  // Values go at index `size`: they become the point's on commit, and are written over if the row is refused.
  const at = batch.size;
  let t = NaN; // a number throughout (no heap number per row); the header always has the timestamp column
  for (let i = 0; i < header.length; i++) {
    const { name, type, field } = header[i];
    const cell = cells[i];
    if (field < 0) {
      // Read by the tokenizer: an integer of at most 15 digits; only its range is left to check.
      if (cell === NUMBER_CELL && isInstantInRange(numbers[i])) t = numbers[i];
      else {
        const given = timestampOf(
          cell === NUMBER_CELL ? numbers[i] : typeof cell === 'string' && /^-?\d+$/.test(cell) ? Number(cell) : cell,
        );
        if (typeof given === 'string') return given;
        t = given;
      }
    } else if (cell === null) {
      columns[field][at] = null;
    } else if (cell === NUMBER_CELL) {
      columns[field][at] = numbers[i]; // read by the tokenizer: a plain decimal of at most 15 digits, storable
    } else if (type === 'number') {
      const number = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!isStorableNumber(number)) return numberError(name, cell);
      columns[field][at] = number;
    } else if (type === 'boolean') {
      const value = BOOLEANS[cell.toLowerCase()];
      if (value === undefined) return `${name} must be a boolean (got ${JSON.stringify(cell).slice(0, 40)})`;
      columns[field][at] = value;
    } else {
      const error = stringError(name, cell);
      if (error) return error;
      columns[field][at] = cell;
    }
  }
  for (const field of unnamed) columns[field][at] = null;
  batch.commit(row, t);
  return undefined;
}
