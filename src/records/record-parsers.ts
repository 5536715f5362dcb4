import { StringDecoder } from 'node:string_decoder';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { parser as jsonParser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { TIMESTAMP_FIELD } from '../datasets/dto/create-dataset.dto';
import { isInstantInRange, parseIsoInstant } from '../common/validation/instants';
import { DatasetField } from '../datasets/schemas/dataset.schema';
import { own, Value } from './buckets';
import { CsvCell, CsvTokenizer } from './csv-tokenizer';
import { MalformedBodyError, TooLargeError } from './record-errors';

export const RECORD_FORMATS = ['json', 'ndjson', 'csv'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export interface ParsedRow {
  row: number;
  t: number;
  /** Aligned with the dataset's fields. */
  values: Value[];
}

export interface RowError {
  row: number;
  error: string;
}

export interface ParseLimits {
  maxBytes: number;
  maxRows: number;
}

/**
 * Reads points from a request body as it streams in — a JSON array, NDJSON
 * or CSV with a header row — and type-checks each against the dataset's
 * fields. Yields, in order and in batches of whatever has arrived, a point or
 * an error per row; throws TooLargeError or MalformedBodyError when the body
 * as a whole is unacceptable.
 */
export async function* parseRecords(
  body: Readable,
  format: RecordFormat,
  fields: readonly DatasetField[],
  limits: ParseLimits,
): AsyncGenerator<(ParsedRow | RowError)[]> {
  const input = body.pipe(new ByteLimit(limits.maxBytes));
  body.once('error', (error) => input.destroy(error));
  const batches =
    format === 'csv'
      ? csvRows(input, fields)
      : mapBatches(format === 'ndjson' ? ndjsonRows(input) : jsonArrayRows(input), ({ row, value }) => toPoint(row, value, fields));
  let count = 0;
  for await (const batch of batches) {
    count += batch.length;
    if (count > limits.maxRows) throw new TooLargeError(`more than ${limits.maxRows} rows in one request`);
    yield batch;
  }
}

async function* mapBatches<T, U>(batches: AsyncIterable<T[]>, map: (item: T) => U): AsyncGenerator<U[]> {
  for await (const batch of batches) yield batch.map(map);
}

/**
 * The objects of a readable stream, in batches of what is buffered: one
 * await per batch instead of one per object (a big difference at a million rows).
 */
async function* inBatches<T>(stream: Readable): AsyncGenerator<T[]> {
  let failure: Error | undefined;
  let ended = false;
  stream.once('error', (error) => (failure = error));
  stream.once('end', () => (ended = true));
  for (;;) {
    if (failure) throw failure;
    const batch: T[] = [];
    for (let item = stream.read() as T | null; item !== null; item = stream.read() as T | null) batch.push(item);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (ended || stream.readableEnded) return;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        stream.off('readable', wake).off('end', wake).off('error', wake);
        resolve();
      };
      stream.on('readable', wake).on('end', wake).on('error', wake);
    });
  }
}

class ByteLimit extends Transform {
  private seen = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) callback(new TooLargeError(`request body larger than ${this.maxBytes} bytes`));
    else callback(null, chunk);
  }
}

type RawRow = { row: number; value: unknown };

/** Rows parsed ahead of the consumer. */
const PARSE_AHEAD = 4_096;

async function* jsonArrayRows(input: Readable): AsyncGenerator<RawRow[]> {
  const parser = input.pipe(jsonParser());
  const elements = parser.pipe(streamArray({ readableHighWaterMark: PARSE_AHEAD } as Parameters<typeof streamArray>[0]));
  // pipe() does not pass errors on: the iteration below must see them.
  input.once('error', (error) => elements.destroy(error));
  parser.once('error', (error) => elements.destroy(error));
  try {
    for await (const batch of inBatches<{ key: number; value: unknown }>(elements)) {
      yield batch.map(({ key, value }) => ({ row: key + 1, value }));
    }
  } catch (error) {
    throw asBodyError(error, 'body is not a JSON array of points');
  }
}

async function* ndjsonRows(input: Readable): AsyncGenerator<RawRow[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let row = 0;
  const lines = (text: string): RawRow[] => {
    const out: RawRow[] = [];
    for (const line of text.split('\n')) {
      row++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = new SyntaxError('line is not JSON');
      }
      out.push({ row, value });
    }
    return out;
  };
  try {
    let first = true;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let text = rest + decoder.write(chunk);
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark, as JSON and CSV bodies may have too
      }
      const end = text.lastIndexOf('\n');
      rest = end < 0 ? text : text.slice(end + 1);
      if (end >= 0) yield lines(text.slice(0, end));
    }
    rest += decoder.end();
    if (rest.trim() !== '') yield lines(rest);
  } catch (error) {
    throw asBodyError(error, 'body could not be read');
  }
}

async function* csvRows(input: Readable, fields: readonly DatasetField[]): AsyncGenerator<(ParsedRow | RowError)[]> {
  const decoder = new StringDecoder('utf8');
  const tokenizer = new CsvTokenizer();
  let header: CsvColumn[] | undefined;
  let row = 0;
  const points = (records: CsvCell[][]): (ParsedRow | RowError)[] => {
    const batch: (ParsedRow | RowError)[] = [];
    for (const cells of records) {
      if (header) batch.push(csvPoint(++row, cells, header, fields.length));
      else header = csvHeader(cells.map((cell) => cell ?? ''), fields);
    }
    return batch;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) yield points(tokenizer.push(decoder.write(chunk)));
    yield points(tokenizer.push(decoder.end()).concat(tokenizer.end()));
  } catch (error) {
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

function asBodyError(error: unknown, message: string): Error {
  if (error instanceof TooLargeError || error instanceof MalformedBodyError) return error;
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new MalformedBodyError(`${message}${detail}`);
}

/**
 * A CSV record as a point, its cells converted to the column types (an empty
 * cell is null, a quoted empty one the empty string). Straight from cells to
 * values: this runs a million times per million-row upload.
 */
function csvPoint(row: number, cells: CsvCell[], header: CsvColumn[], fieldCount: number): ParsedRow | RowError {
  if (cells.length !== header.length) return { row, error: `the row has ${cells.length} cells, the header ${header.length}` };
  const values: Value[] = new Array<Value>(fieldCount).fill(null);
  let t: number | string = `${TIMESTAMP_FIELD} is required`;
  for (let i = 0; i < header.length; i++) {
    const { name, type, field } = header[i];
    const cell = cells[i];
    if (field < 0) {
      t = timestampOf(cell !== null && /^-?\d+$/.test(cell) ? Number(cell) : cell);
      if (typeof t === 'string') return { row, error: t };
    } else if (cell === null) {
      continue;
    } else if (type === 'number') {
      const number = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!isStorableNumber(number)) return { row, error: numberError(name, cell) };
      values[field] = number;
    } else if (type === 'boolean') {
      const value = BOOLEANS[cell.toLowerCase()];
      if (value === undefined) return { row, error: `${name} must be a boolean (got ${JSON.stringify(cell).slice(0, 40)})` };
      values[field] = value;
    } else {
      values[field] = cell;
    }
  }
  return { row, t: t as number, values };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/**
 * Bucket summaries add up to 20,000 values per field; keeping every value
 * within ±1e300 keeps those sums finite (a sum of Infinity could not even be
 * stored), and no measurement comes anywhere near it.
 */
export const MAX_ABS_VALUE = 1e300;

function isStorableNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_ABS_VALUE;
}

function numberError(name: string, given: unknown): string {
  const shown = typeof given === 'number' ? String(given) : JSON.stringify(given).slice(0, 40);
  return typeof given === 'number' || (typeof given === 'string' && NUMBER.test(given))
    ? `${name} must be a number within ±${MAX_ABS_VALUE} (got ${shown})`
    : `${name} must be a number (got ${shown})`;
}

function toPoint(row: number, value: unknown, fields: readonly DatasetField[]): ParsedRow | RowError {
  if (value instanceof SyntaxError) return { row, error: value.message };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { row, error: 'a point must be an object' };
  const point = value as Record<string, unknown>;
  const unknown = Object.keys(point).filter((key) => key !== TIMESTAMP_FIELD && !fields.some((field) => field.name === key));
  if (unknown.length > 0) return { row, error: `unknown field ${unknown.map((key) => JSON.stringify(key)).join(', ')}` };

  const t = timestampOf(point[TIMESTAMP_FIELD]);
  if (typeof t === 'string') return { row, error: t };
  const values: Value[] = [];
  for (const field of fields) {
    const given = own(point, field.name);
    if (given === undefined || given === null) {
      values.push(null);
    } else if (field.type === 'number') {
      if (!isStorableNumber(given)) return { row, error: numberError(field.name, given) };
      values.push(given);
    } else if (typeof given === field.type) {
      values.push(given as Value);
    } else {
      return { row, error: `${field.name} must be a ${field.type} (got ${JSON.stringify(given).slice(0, 40)})` };
    }
  }
  return { row, t, values };
}

/** Epoch milliseconds, or what is wrong with the given timestamp. */
function timestampOf(given: unknown): number | string {
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
