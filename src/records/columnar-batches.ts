/**
 * A read plan's rows as Arrow record batches: the schema (types, units,
 * dataset metadata) and the rows regrouped into batches of bounded size.
 * Both columnar formats (Arrow IPC, Parquet) are written from these.
 */
import {
  Bool,
  Data,
  DataType,
  Field,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
} from 'apache-arrow';
import type { DatasetField } from '../datasets/dataset-shape';
import type { Value } from './buckets';
import type { PointRow } from './record-rows';
import type { ReadPlan } from './records.service';

/** Rows per record batch, and so per Parquet row group. */
export const BATCH_ROWS = 65_536;
/**
 * A batch also ends once its strings hold this many characters: at 64 KiB a
 * string, 65,536 rows would be 4 GiB, which no batch (and no WebAssembly
 * memory, where the Parquet writer works) can hold.
 */
export const BATCH_STRING_CHARS = 16 * 1024 * 1024;

/** The plan's columns: `timestamp` (UTC milliseconds), then one per field, typed by field and aggregate. */
export function columnarSchema(plan: Pick<ReadPlan, 'dataset' | 'fields' | 'downsampling'>): Schema {
  const agg = plan.downsampling?.agg;
  const columns = plan.fields.map((field) => {
    const type = columnType(field, agg);
    const metadata = field.unit && agg !== 'count' ? new Map([['unit', field.unit]]) : undefined;
    return new Field(field.name, type, true, metadata);
  });
  return new Schema([new Field('timestamp', new TimestampMillisecond('UTC'), false), ...columns], schemaMetadata(plan));
}

/** Dataset id and name, the fields with their types and units, and the downsampling, if any. */
function schemaMetadata(plan: Pick<ReadPlan, 'dataset' | 'fields' | 'downsampling'>): Map<string, string> {
  const fields = plan.fields.map(({ name, type, unit }) => (unit ? { name, type, unit } : { name, type }));
  const metadata = new Map([
    ['dataset.id', plan.dataset._id.toHexString()],
    ['dataset.name', plan.dataset.name],
    ['dataset.fields', JSON.stringify(fields)],
  ]);
  if (plan.downsampling)
    metadata.set('records.downsampling', JSON.stringify({ everyMs: plan.downsampling.every, agg: plan.downsampling.agg }));
  return metadata;
}

/** count is an integer; avg/min/max/sum are numbers (null for other fields); raw values and first/last keep the field's type. */
function columnType(field: DatasetField, agg: NonNullable<ReadPlan['downsampling']>['agg'] | undefined): DataType {
  if (agg === 'count') return new Int64();
  if (agg && agg !== 'first' && agg !== 'last') return new Float64();
  return field.type === 'number' ? new Float64() : field.type === 'string' ? new Utf8() : new Bool();
}

/**
 * The rows as record batches of at most BATCH_ROWS rows (or BATCH_STRING_CHARS
 * of strings), one batch in memory at a time. At least one batch, empty if
 * there are no rows, so that a file always states its schema.
 */
export async function* recordBatches(schema: Schema, rows: AsyncIterable<PointRow[]>): AsyncGenerator<RecordBatch> {
  let pending: PointRow[] = [];
  let chars = 0;
  let batches = 0;
  for await (const bucket of rows) {
    for (const row of bucket) {
      pending.push(row);
      for (const value of row.values) if (typeof value === 'string') chars += value.length;
      if (pending.length >= BATCH_ROWS || chars >= BATCH_STRING_CHARS) {
        yield toRecordBatch(schema, pending);
        batches++;
        pending = [];
        chars = 0;
      }
    }
  }
  if (pending.length > 0 || batches === 0) yield toRecordBatch(schema, pending);
}

/** One record batch from rows aligned with the schema's value columns. */
export function toRecordBatch(schema: Schema, rows: readonly PointRow[]): RecordBatch {
  const times = new BigInt64Array(rows.length);
  rows.forEach((row, i) => (times[i] = BigInt(row.t)));
  const children: Data[] = [makeData({ type: schema.fields[0].type as TimestampMillisecond, length: rows.length, data: times })];
  schema.fields.slice(1).forEach((field, column) =>
    children.push(
      columnData(
        field,
        rows.map((row) => row.values[column]),
      ),
    ),
  );
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

/**
 * One column as Arrow data, built with makeData from typed arrays: the
 * builders of apache-arrow encode strings one value at a time, several times
 * slower. A value of another type than the column's is a broken store, not
 * something to write as null.
 */
function columnData(field: Field, values: Value[]): Data {
  const { nullBitmap, nullCount } = validity(values);
  const length = values.length;
  const check = (kind: 'string' | 'boolean' | 'number', value: Value): void => {
    if (value !== null && typeof value !== kind)
      throw new Error(`field ${field.name} holds ${JSON.stringify(value)} where a ${kind} belongs`);
  };
  if (field.type instanceof Utf8) {
    values.forEach((value) => check('string', value));
    const strings = values as (string | null)[];
    const data = Buffer.allocUnsafe(strings.reduce((bytes, value) => bytes + (value === null ? 0 : Buffer.byteLength(value)), 0));
    const valueOffsets = new Int32Array(length + 1);
    strings.forEach((value, i) => (valueOffsets[i + 1] = valueOffsets[i] + (value === null ? 0 : data.write(value, valueOffsets[i]))));
    return makeData({ type: field.type, length, nullCount, nullBitmap, valueOffsets, data });
  }
  if (field.type instanceof Bool) {
    const bits = new Uint8Array((length + 7) >> 3);
    values.forEach((value, i) => {
      check('boolean', value);
      if (value === true) bits[i >> 3] |= 1 << (i & 7);
    });
    return makeData({ type: field.type, length, nullCount, nullBitmap, data: bits });
  }
  values.forEach((value) => check('number', value));
  const numbers = values as (number | null)[];
  if (field.type instanceof Int64) {
    return makeData({ type: field.type, length, nullCount, nullBitmap, data: BigInt64Array.from(numbers, (n) => BigInt(n ?? 0)) });
  }
  return makeData({ type: field.type as Float64, length, nullCount, nullBitmap, data: Float64Array.from(numbers, (n) => n ?? 0) });
}

/** Arrow's validity bitmap (bit i set: row i has a value), omitted when nothing is null. */
function validity(values: readonly Value[]): { nullBitmap?: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((value, i) => {
    if (value === null) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  });
  return nullCount === 0 ? { nullCount } : { nullBitmap: bitmap, nullCount };
}
