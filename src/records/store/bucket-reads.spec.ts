import { BSON } from 'mongodb';
import { strictMock } from '../../common/testing/strict-mock';
import type { DatasetField } from '../../datasets/dataset-shape';
import type { PointRow } from '../points';
import { RecordBucket } from '../schemas/record-bucket.schema';
import { BUCKETS_PER_READ, bucketReads, BYTES_PER_READ, readBuckets } from './bucket-reads';
import { bucketBytesBound, MAX_BUCKET_BYTES } from './bucket-size';
import { BucketSummary, summarize } from './buckets';
import type { RecordsStore } from './records.repository';

const FIELDS: DatasetField[] = [
  { name: 'kw', type: 'number' },
  { name: 'note', type: 'string' },
];

/** Bucket `n` of ten points, one a second from n * 10 s: kw is the second plus `offset`, a note on even seconds only. */
function bucket(n: number, offset = 0.5): RecordBucket {
  const t = Array.from({ length: 10 }, (_, i) => (n * 10 + i) * 1000);
  const kw = t.map((time) => time / 1000 + offset);
  return { _id: `d:${n}`, datasetId: 'd', start: n * 10_000, t, v: { kw, note: t.map((time) => (time % 2000 ? null : `at ${time}`)) } };
}

/** The store's answers, by id: the bytes it hands out (a test may change them afterwards). */
function storeOf(docs: RecordBucket[]): { store: jest.Mocked<Pick<RecordsStore, 'findBucketsBytes'>>; bytes: Map<string, Uint8Array> } {
  const bytes = new Map(docs.map((doc) => [doc._id, BSON.serialize(doc)]));
  const findBucketsBytes = jest.fn((ids: readonly string[]) =>
    Promise.resolve(new Map(ids.flatMap((id) => (bytes.has(id) ? [[id, bytes.get(id) as Uint8Array] as const] : [])))),
  );
  return { store: strictMock<RecordsStore>('RecordsStore', { findBucketsBytes }), bytes };
}

/** Buckets of `count` points of these fields, one after another (only their ids and counts matter to bucketReads). */
const summariesOf = (buckets: number, count: number): BucketSummary[] =>
  Array.from({ length: buckets }, (_, n) => ({ start: n, id: `d:${n}`, count, first: n, last: n, stats: {} }));

const summaries = (docs: RecordBucket[]): BucketSummary[] => docs.map((doc) => summarize(doc.start, doc._id, doc, FIELDS));

async function collect(reading: AsyncGenerator<PointRow[], boolean>): Promise<{ rows: PointRow[]; complete: boolean }> {
  const rows: PointRow[] = [];
  for (let next = await reading.next(); ; next = await reading.next()) {
    if (next.done) return { rows, complete: next.value };
    rows.push(...next.value);
  }
}

describe(readBuckets.name, () => {
  it('serves the points of the wanted buckets in time order, within [resumeAt, to), and follows the position', async () => {
    const docs = [0, 1, 2].map((n) => bucket(n));
    const position = { resumeAt: 5_000 };
    const { rows, complete } = await collect(readBuckets(storeOf(docs).store, summaries(docs), FIELDS, position, 25_000));
    expect(complete).toBe(true);
    expect(rows.map((row) => row.t)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 5) * 1000));
    expect(rows[1]).toEqual({ t: 6_000, values: [6.5, 'at 6000'] });
    expect(rows[2]).toEqual({ t: 7_000, values: [7.5, null] });
    expect(position.resumeAt).toBe(24_001);
  });

  it('answers false when a bucket has gone meanwhile', async () => {
    const docs = [0, 1].map((n) => bucket(n));
    const { rows, complete } = await collect(
      readBuckets(storeOf([docs[0]]).store, summaries(docs), FIELDS, { resumeAt: -Infinity }, Infinity),
    );
    expect(complete).toBe(false);
    expect(rows).toHaveLength(10);
  });

  it('reads buckets ahead as bytes and decodes each only when it serves it', async () => {
    const docs = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => bucket(n));
    const { store, bytes } = storeOf(docs);
    const reading = readBuckets(store, summaries(docs), FIELDS, { resumeAt: -Infinity }, Infinity);
    await reading.next();
    // Ten points with a string field are bound to ~655 KB: three buckets to a read, two reads ahead.
    expect(store.findBucketsBytes.mock.calls.map(([ids]) => ids)).toEqual([
      ['d:0', 'd:1', 'd:2'],
      ['d:3', 'd:4', 'd:5'],
      ['d:6', 'd:7'],
    ]);
    // Bucket 1 is fetched but still bytes: what they hold when it is served is what is served.
    const changed = BSON.serialize(bucket(1, -0.25));
    (bytes.get('d:1') as Buffer).set(changed);
    const second = await reading.next();
    expect(second.value).toContainEqual({ t: 10_000, values: [9.75, 'at 10000'] });
    await reading.return(true);
  });

  it('asks the store for a run of buckets in one query, and reads the next run while serving this one', async () => {
    const numbers: DatasetField[] = [{ name: 'kw', type: 'number' }];
    const docs = Array.from({ length: 100 }, (_, n) => bucket(n));
    const { store } = storeOf(docs);
    const reading = readBuckets(store, summaries(docs), numbers, { resumeAt: -Infinity }, Infinity);
    const first = await reading.next();
    expect(first.value).toHaveLength(10);
    expect(store.findBucketsBytes.mock.calls.map(([ids]) => ids.length)).toEqual([BUCKETS_PER_READ, BUCKETS_PER_READ, BUCKETS_PER_READ]);
    const { rows, complete } = await collect(reading);
    expect(complete).toBe(true);
    expect(rows).toHaveLength(990);
    expect(store.findBucketsBytes.mock.calls.map(([ids]) => ids.length)).toEqual([32, 32, 32, 4]);
  });

  it('answers false at the first bucket gone from a run, after serving those before it', async () => {
    const docs = [0, 1, 2, 3].map((n) => bucket(n));
    const { store, bytes } = storeOf(docs);
    bytes.delete('d:2');
    const { rows, complete } = await collect(readBuckets(store, summaries(docs), FIELDS, { resumeAt: -Infinity }, Infinity));
    expect(complete).toBe(false);
    expect(rows.map((row) => row.t)).toEqual(Array.from({ length: 20 }, (_, i) => i * 1000));
  });
});

describe(bucketReads.name, () => {
  const numbers = (count: number): DatasetField[] => Array.from({ length: count }, (_, i) => ({ name: `f${i}`, type: 'number' }));

  it('puts up to BUCKETS_PER_READ small buckets in a read, in order', () => {
    const reads = bucketReads(summariesOf(70, 1000), numbers(3));
    expect(reads.map((read) => read.length)).toEqual([32, 32, 6]);
    expect(reads.flat().map((bucket) => bucket.id)).toEqual(summariesOf(70, 1000).map((bucket) => bucket.id));
  });

  it('keeps a read within BYTES_PER_READ by the most its buckets can hold', () => {
    // 1,000 points of 60 numbers: ~915 KB each, two to a read.
    expect(bucketReads(summariesOf(5, 1000), numbers(60)).map((read) => read.length)).toEqual([2, 2, 1]);
    // A full bucket (8 MB) is a read of its own.
    expect(bucketBytesBound(20_000, numbers(60))).toBe(MAX_BUCKET_BYTES);
    expect(bucketReads(summariesOf(3, 20_000), numbers(60)).map((read) => read.length)).toEqual([1, 1, 1]);
    // Strings are counted at their length limit.
    const notes: DatasetField[] = [{ name: 'note', type: 'string' }];
    expect(bucketReads(summariesOf(3, 100), notes).map((read) => read.length)).toEqual([1, 1, 1]);
    expect(bucketReads(summariesOf(3, 15), notes).map((read) => read.length)).toEqual([2, 1]);
    expect(2 * bucketBytesBound(15, notes)).toBeLessThanOrEqual(BYTES_PER_READ);
  });
});
