/**
 * A read plan's rows as Arrow record batches: the schema (types, units,
 * dataset metadata) and the rows regrouped into batches of bounded size.
 * Both columnar formats (Arrow IPC, Parquet) are written from these.
 */
import { Bool, DataType, Field, Float64, Int64, makeData, RecordBatch, Schema, Struct, TimestampMillisecond, Utf8 } from 'apache-arrow';
import { columnBuilder, ColumnBuilder, TimestampColumn } from './columnar-columns';
import type { DatasetField } from '../../datasets/dataset-shape';
import type { PointRow } from '../points';
import type { ReadPlan } from '../read-plan';

/** Rows per record batch, and so per Parquet row group. */
export const BATCH_ROWS = 65_536;
/**
 * A batch also ends once its strings hold this many characters: at 64 KiB a
 * string, 65,536 rows would be 4 GiB, which no batch (and no WebAssembly
 * memory, where the Parquet writer works) can hold.
 */
export const BATCH_STRING_CHARS = 16 * 1024 * 1024;

/** The plan's columns: `timestamp` (UTC milliseconds), then one per field, typed by field and aggregate. */
export function columnarSchema(plan: Pick<ReadPlan, 'dataset' | 'fields' | 'downsampling' | 'served'>): Schema {
  const agg = plan.downsampling?.agg;
  const columns = plan.fields.map((field) => {
    const type = columnType(field, agg);
    const metadata = field.unit && agg !== 'count' ? new Map([['unit', field.unit]]) : undefined;
    return new Field(field.name, type, true, metadata);
  });
  return new Schema([new Field('timestamp', new TimestampMillisecond('UTC'), false), ...columns], schemaMetadata(plan));
}

/** Dataset id and name, the version served (and its digest), the fields with their types and units, and the downsampling, if any. */
function schemaMetadata(plan: Pick<ReadPlan, 'dataset' | 'fields' | 'downsampling' | 'served'>): Map<string, string> {
  const fields = plan.fields.map(({ name, type, unit }) => (unit ? { name, type, unit } : { name, type }));
  const metadata = new Map([
    ['dataset.id', plan.dataset._id.toHexString()],
    ['dataset.name', plan.dataset.name],
    ['dataset.fields', JSON.stringify(fields)],
    ['dataset.version', String(plan.served.version)],
  ]);
  if (plan.served.digest) metadata.set('dataset.digest', plan.served.digest);
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
 * of strings), each filled as the rows arrive and given out when full. At
 * least one batch, empty if there are no rows, so that a file always states
 * its schema.
 */
export async function* recordBatches(schema: Schema, rows: AsyncIterable<PointRow[]>): AsyncGenerator<RecordBatch> {
  let batch = new BatchBuilder(schema, BATCH_ROWS);
  let batches = 0;
  for await (const bucket of rows) {
    for (const row of bucket) {
      if (!batch.add(row)) continue;
      yield batch.finish();
      batches++;
      batch = new BatchBuilder(schema, BATCH_ROWS);
    }
  }
  if (batch.rows > 0 || batches === 0) yield batch.finish();
}

/** One record batch from rows aligned with the schema's value columns. */
export function toRecordBatch(schema: Schema, rows: readonly PointRow[]): RecordBatch {
  const batch = new BatchBuilder(schema, rows.length);
  rows.forEach((row) => batch.add(row));
  return batch.finish();
}

class BatchBuilder {
  rows = 0;
  private chars = 0;
  private readonly times: TimestampColumn;
  private readonly columns: ColumnBuilder[];

  constructor(
    private readonly schema: Schema,
    private readonly capacity: number,
  ) {
    this.times = new TimestampColumn(capacity);
    this.columns = schema.fields.slice(1).map((field) => columnBuilder(field, capacity));
  }

  /** Adds a row; true when the batch is full. */
  add(row: PointRow): boolean {
    this.times.push(row.t);
    this.columns.forEach((column, i) => {
      const value = row.values[i];
      if (typeof value === 'string') this.chars += value.length;
      column.push(value);
    });
    return ++this.rows >= this.capacity || this.chars >= BATCH_STRING_CHARS;
  }

  finish(): RecordBatch {
    const children = [this.times.finish(), ...this.columns.map((column) => column.finish())];
    return new RecordBatch(this.schema, makeData({ type: new Struct(this.schema.fields), length: this.rows, nullCount: 0, children }));
  }
}
