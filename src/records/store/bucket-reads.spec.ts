import { BSON } from 'mongodb';
import { strictMock } from '../../common/testing/strict-mock';
import type { DatasetField } from '../../datasets/dataset-shape';
import type { PointRow } from '../points';
import { RecordBucket } from '../schemas/record-bucket.schema';
import { readBuckets } from './bucket-reads';
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
function storeOf(docs: RecordBucket[]): { store: jest.Mocked<Pick<RecordsStore, 'findBucketBytes'>>; bytes: Map<string, Uint8Array> } {
  const bytes = new Map(docs.map((doc) => [doc._id, BSON.serialize(doc)]));
  const findBucketBytes = jest.fn((id: string) => Promise.resolve(bytes.get(id) ?? null));
  return { store: strictMock<RecordsStore>('RecordsStore', { findBucketBytes }), bytes };
}

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
    expect(store.findBucketBytes.mock.calls.map(([id]) => id).sort()).toEqual(['d:0', 'd:1', 'd:2', 'd:3', 'd:4']);
    // Bucket 1 is fetched but still bytes: what they hold when it is served is what is served.
    const changed = BSON.serialize(bucket(1, -0.25));
    (bytes.get('d:1') as Buffer).set(changed);
    const second = await reading.next();
    expect(second.value).toContainEqual({ t: 10_000, values: [9.75, 'at 10000'] });
    await reading.return(true);
  });
});
