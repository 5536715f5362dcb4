import { T0 } from '../../common/testing/time';
import { Bool, Float64, Int64, RecordBatch, TimestampMillisecond, TimeUnit, Utf8 } from 'apache-arrow';
import { Types } from 'mongoose';
import type { Dataset, DatasetField } from '../../datasets/dataset-shape';
import { BATCH_ROWS, BATCH_STRING_CHARS, columnarSchema, recordBatches, toRecordBatch } from './columnar-batches';
import type { PointRow } from '../points';
import type { ReadPlan } from '../read-plan';

const FIELDS: DatasetField[] = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'note', type: 'string' },
  { name: 'ok', type: 'boolean', unit: 'flag' },
];

const plan = (
  overrides: Partial<Pick<ReadPlan, 'fields' | 'downsampling' | 'served'>> = {},
): Pick<ReadPlan, 'dataset' | 'fields' | 'downsampling' | 'served'> => ({
  dataset: { _id: new Types.ObjectId('0123456789abcdef01234567'), name: 'Turbine 7', fields: FIELDS } as Dataset,
  fields: FIELDS,
  served: { version: 'live' },
  ...overrides,
});

async function* buckets(...batches: PointRow[][]): AsyncGenerator<PointRow[]> {
  yield* batches;
}

async function collect(generator: AsyncGenerator<RecordBatch>): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of generator) batches.push(batch);
  return batches;
}

const rows = (count: number, from = 0): PointRow[] =>
  Array.from({ length: count }, (_, i) => ({ t: T0 + (from + i) * 1000, values: [from + i, `n${from + i}`, (from + i) % 2 === 0] }));

describe('columnarSchema', () => {
  it('has a UTC millisecond timestamp and a nullable column per field, typed by the field', () => {
    const schema = columnarSchema(plan());
    expect(schema.fields.map((field) => [field.name, field.type, field.nullable])).toStrictEqual([
      ['timestamp', new TimestampMillisecond('UTC'), false],
      ['kw', new Float64(), true],
      ['note', new Utf8(), true],
      ['ok', new Bool(), true],
    ]);
    const timestamp = schema.fields[0].type as TimestampMillisecond;
    expect([timestamp.unit, timestamp.timezone]).toEqual([TimeUnit.MILLISECOND, 'UTC']);
  });

  it('states units in the field metadata and the dataset in the schema metadata', () => {
    const schema = columnarSchema(plan());
    expect(schema.fields.map((field) => Object.fromEntries(field.metadata))).toEqual([{}, { unit: 'kW' }, {}, { unit: 'flag' }]);
    expect(Object.fromEntries(schema.metadata)).toEqual({
      'dataset.id': '0123456789abcdef01234567',
      'dataset.name': 'Turbine 7',
      'dataset.fields': JSON.stringify(FIELDS),
      'dataset.version': 'live',
    });
  });

  it('names the version and digest served', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const metadata = columnarSchema(plan({ served: { version: 3, digest } })).metadata;
    expect([metadata.get('dataset.version'), metadata.get('dataset.digest')]).toEqual(['3', digest]);
  });

  it.each([
    ['count', [new Int64(), new Int64(), new Int64()], [{}, {}, {}]],
    ['avg', [new Float64(), new Float64(), new Float64()], [{ unit: 'kW' }, {}, { unit: 'flag' }]],
    ['sum', [new Float64(), new Float64(), new Float64()], [{ unit: 'kW' }, {}, { unit: 'flag' }]],
    ['first', [new Float64(), new Utf8(), new Bool()], [{ unit: 'kW' }, {}, { unit: 'flag' }]],
    ['last', [new Float64(), new Utf8(), new Bool()], [{ unit: 'kW' }, {}, { unit: 'flag' }]],
  ] as const)('types downsampled columns by the aggregate: %s', (agg, types, metadata) => {
    const schema = columnarSchema(plan({ downsampling: { every: 3_600_000, agg } }));
    expect(schema.fields.slice(1).map((field) => field.type)).toStrictEqual(types);
    expect(schema.fields.slice(1).map((field) => Object.fromEntries(field.metadata))).toEqual(metadata);
    expect(JSON.parse(schema.metadata.get('records.downsampling') ?? '')).toEqual({ everyMs: 3_600_000, agg });
  });
});

describe('toRecordBatch', () => {
  it('keeps every value and every null', () => {
    const points: PointRow[] = [
      { t: T0, values: [1.5, 'α β', true] },
      { t: T0 + 1, values: [null, null, null] },
      { t: -62_167_219_200_000, values: [-0.25, '', false] },
      { t: 253_402_300_799_999, values: [1e300, 'x'.repeat(70_000), null] },
    ];
    const batch = toRecordBatch(columnarSchema(plan()), points);
    expect(batch.numRows).toBe(4);
    expect(batch.toArray().map((row) => row.toJSON())).toEqual(
      points.map(({ t, values }) => ({ timestamp: t, kw: values[0], note: values[1], ok: values[2] })),
    );
    expect(batch.getChildAt(1)?.nullCount).toBe(1);
    expect(batch.getChildAt(3)?.nullCount).toBe(2);
  });

  it('writes counts as integers', () => {
    const batch = toRecordBatch(columnarSchema(plan({ downsampling: { every: 60_000, agg: 'count' } })), [{ t: T0, values: [3, 0, 2] }]);
    expect(batch.toArray()[0].toJSON()).toEqual({ timestamp: T0, kw: 3n, note: 0n, ok: 2n });
  });

  it('refuses a value of another type than its column (a broken store), naming the field', () => {
    expect(() => toRecordBatch(columnarSchema(plan()), [{ t: T0, values: ['1', null, null] }])).toThrow('field kw holds "1"');
    expect(() => toRecordBatch(columnarSchema(plan()), [{ t: T0, values: [null, null, 1] }])).toThrow('field ok holds 1');
  });
});

describe('recordBatches', () => {
  const schema = columnarSchema(plan());

  it('regroups buckets into batches of BATCH_ROWS rows, in order', async () => {
    const batches = await collect(recordBatches(schema, buckets(rows(40_000), rows(40_000, 40_000), rows(BATCH_ROWS, 80_000))));
    expect(batches.map((batch) => batch.numRows)).toEqual([BATCH_ROWS, BATCH_ROWS, 80_000 + BATCH_ROWS - 2 * BATCH_ROWS]);
    const times = batches.flatMap((batch) => Array.from(batch.getChild('timestamp') ?? [], Number));
    expect(times.every((t, i) => t === T0 + i * 1000)).toBe(true);
    expect(times).toHaveLength(80_000 + BATCH_ROWS);
  });

  it('ends a batch early once its strings are long', async () => {
    const long = 'x'.repeat(60_000);
    const points = Array.from({ length: 600 }, (_, i) => ({ t: T0 + i, values: [i, long, null] }));
    const batches = await collect(recordBatches(schema, buckets(points)));
    const perBatch = Math.ceil(BATCH_STRING_CHARS / long.length);
    expect(batches.map((batch) => batch.numRows)).toEqual([perBatch, perBatch, 600 - 2 * perBatch]);
  });

  it('gives one empty batch when there are no rows, so that the schema is still written', async () => {
    const batches = await collect(recordBatches(schema, buckets()));
    expect(batches.map((batch) => [batch.numRows, batch.schema.fields.length])).toEqual([[0, 4]]);
  });
});
