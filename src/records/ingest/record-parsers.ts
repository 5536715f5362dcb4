import { Readable, Transform, TransformCallback } from 'node:stream';
import { parser as jsonParser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { TIMESTAMP_FIELD } from '../../datasets/dataset-shape';
import type { DatasetField } from '../../datasets/dataset-shape';
import { own, PointBatch, Value } from '../points';
import { csvRows } from './csv-records';
import { asBodyError, TooLargeError } from './record-errors';
import { isStorableNumber, numberError, stringError, timestampOf } from './record-values';
import { InvalidUtf8Error, StrictUtf8Decoder } from './utf8';

export const RECORD_FORMATS = ['json', 'ndjson', 'csv'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

import type { ParsedRow, RowError } from '../points';

export interface ParseLimits {
  maxBytes: number;
  maxRows: number;
}

/**
 * Reads points from a request body as it streams in — a JSON array, NDJSON
 * or CSV with a header row — and type-checks each against the dataset's
 * fields. Yields, in order, a batch of whatever has arrived: its points in
 * columns and an error per refused row; throws TooLargeError or MalformedBodyError when the body
 * as a whole is unacceptable.
 */
export async function* parseRecords(
  body: Readable,
  format: RecordFormat,
  fields: readonly DatasetField[],
  limits: ParseLimits,
): AsyncGenerator<PointBatch> {
  const input = body.pipe(new ByteLimit(limits.maxBytes));
  body.once('error', (error) => input.destroy(error));
  const batches =
    format === 'csv' ? csvRows(input, fields) : jsonBatches(format === 'ndjson' ? ndjsonRows(input) : jsonArrayRows(input), fields);
  let count = 0;
  for await (const batch of batches) {
    count += batch.length;
    if (count > limits.maxRows) throw new TooLargeError(`more than ${limits.maxRows} rows in one request`);
    yield batch;
  }
}

async function* jsonBatches(batches: AsyncIterable<RawRow[]>, fields: readonly DatasetField[]): AsyncGenerator<PointBatch> {
  const batch = new PointBatch(fields.length);
  for await (const rows of batches) {
    batch.clear();
    for (const { row, value } of rows) {
      const point = toPoint(row, value, fields);
      if ('error' in point) batch.refuse(point);
      else batch.add(point);
    }
    yield batch;
  }
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
  const text = input.pipe(new Utf8Text());
  // Strings straight through: the parser would decode bytes leniently again.
  const parser = text.pipe(jsonParser({ decodeStrings: false }));
  const elements = parser.pipe(streamArray({ readableHighWaterMark: PARSE_AHEAD }));
  keepProtoKeys(elements);
  // pipe() does not pass errors on: the iteration below must see them.
  input.once('error', (error) => elements.destroy(error));
  // Bad bytes end the text early; the points before them still come out, then the row holding them is refused.
  parser.once('error', (error) => (text.invalid ? elements.end() : elements.destroy(error)));
  let row = 0;
  try {
    for await (const batch of inBatches<{ key: number; value: unknown }>(elements)) {
      yield batch.map(({ key, value }) => ({ row: key + 1, value }));
      row = batch[batch.length - 1].key + 1;
    }
  } catch (error) {
    throw asBodyError(error, 'body is not a JSON array of points');
  }
  if (text.invalid) yield [{ row: row + 1, value: new SyntaxError(NOT_UTF8) }];
}

const NOT_UTF8 = 'the row is not valid UTF-8';

/** Decodes a body strictly for the JSON parser; at the first invalid byte it passes on what came before and ends. */
class Utf8Text extends Transform {
  invalid = false;
  private readonly decoder = new StrictUtf8Decoder();

  constructor() {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.invalid) this.decoding(() => this.decoder.write(chunk));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (!this.invalid) this.decoding(() => this.decoder.end());
    callback();
  }

  private decoding(decode: () => string): void {
    try {
      const text = decode();
      if (text.length > 0) this.push(text);
    } catch (error) {
      if (!(error instanceof InvalidUtf8Error)) throw error;
      this.invalid = true;
      if (error.validText.length > 0) this.push(error.validText);
      this.push(null);
    }
  }
}

/** Stands in for a `__proto__` key, which is never a field: shown as "__proto__" when the point is refused. */
const PROTO_KEY = '\u0000__proto__';

/**
 * stream-json assembles objects by assignment, where a `__proto__` key sets
 * the prototype and vanishes from the point; renamed, it is refused as an
 * unknown field like in NDJSON (whose JSON.parse keeps it as an own key).
 */
function keepProtoKeys(elements: ReturnType<typeof streamArray>): void {
  const assembler = (elements as unknown as { _assembler: { keyValue(key: string): void } })._assembler;
  const keyValue = assembler.keyValue.bind(assembler);
  assembler.keyValue = (key: string) => keyValue(key === '__proto__' ? PROTO_KEY : key);
}

async function* ndjsonRows(input: Readable): AsyncGenerator<RawRow[]> {
  const decoder = new StrictUtf8Decoder();
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
  let first = true;
  /** Adds decoded text; returns the complete lines. */
  const take = (decoded: string): RawRow[] => {
    if (first && decoded.length > 0) {
      first = false;
      if (decoded.charCodeAt(0) === 0xfeff) decoded = decoded.slice(1); // a byte-order mark, as JSON and CSV bodies may have too
    }
    // Only the new piece is searched: a long line must not be scanned again with every piece of it.
    const end = decoded.lastIndexOf('\n');
    if (end < 0) {
      rest += decoded;
      return [];
    }
    const text = rest + decoded.slice(0, end);
    rest = decoded.slice(end + 1);
    return lines(text);
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const batch = take(decoder.write(chunk));
      if (batch.length > 0) yield batch;
    }
    rest += decoder.end();
    if (rest.trim() !== '') yield lines(rest);
  } catch (error) {
    if (!(error instanceof InvalidUtf8Error)) throw asBodyError(error, 'body could not be read');
    // The lines before the bad bytes are complete; the bad bytes are in the next one.
    const before = take(error.validText);
    yield [...before, { row: row + 1, value: new SyntaxError(NOT_UTF8) }];
  }
}

function toPoint(row: number, value: unknown, fields: readonly DatasetField[]): ParsedRow | RowError {
  if (value instanceof SyntaxError) return { row, error: value.message };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { row, error: 'a point must be an object' };
  const point = value as Record<string, unknown>;
  const unknown = Object.keys(point).filter((key) => key !== TIMESTAMP_FIELD && !fields.some((field) => field.name === key));
  if (unknown.length > 0) {
    return { row, error: `unknown field ${unknown.map((key) => JSON.stringify(key === PROTO_KEY ? '__proto__' : key)).join(', ')}` };
  }

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
    } else if (typeof given === 'string' && field.type === 'string') {
      const error = stringError(field.name, given);
      if (error) return { row, error };
      values.push(given);
    } else if (typeof given === field.type) {
      values.push(given as Value);
    } else {
      return { row, error: `${field.name} must be a ${field.type} (got ${JSON.stringify(given).slice(0, 40)})` };
    }
  }
  return { row, t, values };
}
