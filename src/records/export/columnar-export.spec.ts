import { T0 } from '../../common/testing/time';
import { Table, tableFromIPC } from 'apache-arrow';
import { Types } from 'mongoose';
import { Compression, Encoding, ParquetFile, readParquet } from 'parquet-wasm';
import type { Dataset, DatasetField } from '../../datasets/dataset-shape';
import { BATCH_ROWS } from './columnar-batches';
import { columnarExport, ColumnarFormat } from './columnar-export';
import type { PointRow } from '../points';
import type { ReadPlan } from '../read-plan';

const FIELDS: DatasetField[] = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'note', type: 'string' },
  { name: 'ok', type: 'boolean' },
];
const COUNT = BATCH_ROWS + 1000;

const point = (i: number): PointRow => ({
  t: T0 + i * 1000,
  values: [i % 7 === 0 ? null : i / 4, i % 5 === 0 ? null : `note ${i} é`, i % 3 === 0 ? null : i % 2 === 0],
});

/** The rows a store would give, a bucket of 1,000 at a time; fails after `failAfter` buckets, if given. */
function plan(count: number, failAfter?: number): { plan: ReadPlan; finished: () => boolean } {
  let finished = false;
  async function* rows(): AsyncGenerator<PointRow[]> {
    try {
      for (let start = 0, bucket = 0; start < count; start += 1000, bucket++) {
        if (bucket === failAfter) throw new Error('simulated store failure');
        yield Array.from({ length: Math.min(1000, count - start) }, (_, i) => point(start + i));
      }
    } finally {
      finished = true;
    }
  }
  const dataset = { _id: new Types.ObjectId(), name: 'exported', fields: FIELDS } as Dataset;
  return { plan: { dataset, fields: FIELDS, rows: rows(), served: { version: 'live' as const } }, finished: () => finished };
}

async function bytesOf(chunks: AsyncGenerator<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

const readBack: Record<ColumnarFormat, (bytes: Buffer) => Table> = {
  arrow: (bytes) => tableFromIPC(bytes),
  parquet: (bytes) => tableFromIPC(readParquet(bytes).intoIPCStream()),
};

describe('columnarExport', () => {
  it.each(['arrow', 'parquet'] as const)('%s: reads back with every value, null and unit', async (format) => {
    const table = readBack[format](await bytesOf(columnarExport(plan(COUNT).plan, format)));
    expect(table.numRows).toBe(COUNT);
    expect(table.schema.fields.map((field) => `${field.name}: ${String(field.type)}`)).toEqual([
      'timestamp: Timestamp<MILLISECOND, UTC>',
      'kw: Float64',
      'note: Utf8',
      'ok: Bool',
    ]);
    expect(table.schema.fields[1].metadata.get('unit')).toBe('kW');
    expect(JSON.parse(table.schema.metadata.get('dataset.fields') ?? '')).toEqual(FIELDS);
    const columns = table.schema.fields.map((_, c) => table.getChildAt(c));
    for (let i = 0; i < COUNT; i += 97) {
      const { t, values } = point(i);
      expect(columns.map((column) => column?.get(i) as unknown)).toEqual([t, ...values]);
    }
  });

  it('writes the Arrow stream one record batch at a time', async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of columnarExport(plan(COUNT).plan, 'arrow')) chunks.push(chunk);
    // The schema with the first batch, the second batch, then the end-of-stream marker.
    expect(chunks).toHaveLength(3);
    expect(tableFromIPC(Buffer.concat(chunks)).batches.map((batch) => batch.numRows)).toEqual([BATCH_ROWS, 1000]);
  });

  it('writes Parquet row groups of BATCH_ROWS, with the dataset in the key-value metadata', async () => {
    const bytes = await bytesOf(columnarExport(plan(COUNT).plan, 'parquet'));
    const file = await ParquetFile.fromFile(new Blob([bytes]));
    const metadata = file.metadata();
    expect(metadata.rowGroups().map((group) => group.numRows())).toEqual([BATCH_ROWS, 1000]);
    // Only strings are worth a dictionary; timestamps and numbers are written plain.
    const dictionaries = metadata
      .rowGroup(0)
      .columns()
      .map((column) => [column.columnPath().join('.'), column.encodings().includes(Encoding.RLE_DICTIONARY)]);
    expect(dictionaries).toEqual([
      ['timestamp', false],
      ['kw', false],
      ['note', true],
      ['ok', false],
    ]);
    expect(metadata.rowGroup(0).column(0).compression()).toBe(Compression.SNAPPY);
    const keyValues = metadata.fileMetadata().keyValueMetadata();
    expect([...keyValues.keys()].sort()).toEqual(['ARROW:schema', 'dataset.fields', 'dataset.id', 'dataset.name', 'dataset.version']);
  });

  it.each(['arrow', 'parquet'] as const)('%s: an empty range is a file with the schema and no rows', async (format) => {
    const table = readBack[format](await bytesOf(columnarExport(plan(0).plan, format)));
    expect([table.numRows, table.schema.fields.length]).toEqual([0, 4]);
  });

  it.each([
    ['arrow', 0],
    ['arrow', 66],
    ['parquet', 0],
    ['parquet', 66],
  ] as const)('%s: a failure of the store (after %i buckets) is thrown, never a short file', async (format, buckets) => {
    const chunks = columnarExport(plan(COUNT, buckets).plan, format);
    await expect(bytesOf(chunks)).rejects.toThrow('simulated store failure');
  });

  it('an abandoned Parquet download stops reading the store', async () => {
    const { plan: abandoned, finished } = plan(4 * BATCH_ROWS);
    const chunks = columnarExport(abandoned, 'parquet');
    await chunks.next();
    await chunks.return(undefined);
    expect(finished()).toBe(true);
  });
});
