import { Types } from 'mongoose';
import { Dataset } from '../datasets/schemas/dataset.schema';
import type { RecordsStore } from './records.repository';
import { RecordBucket } from './schemas/record-bucket.schema';
import { RecordSeries } from './schemas/record-series.schema';
import { RecordUpload } from './schemas/record-upload.schema';
import { SeriesWrite } from './series-write';

/** The store SeriesWrite uses, over in-memory maps. */
function memoryStores(): RecordsStore & { docs: Map<string, RecordBucket> } {
  const docs = new Map<string, RecordBucket>();
  const uploads = new Map<string, RecordUpload>();
  return {
    docs,
    findSeries: () => Promise.resolve(null),
    findBucket: (id) => Promise.resolve(docs.get(id) ?? null),
    insertBuckets: (many) => Promise.resolve(many.forEach((doc) => docs.set(doc._id, structuredClone(doc)))),
    insertSeries: () => Promise.resolve(),
    deleteDocuments: (ids) => Promise.resolve(ids.forEach((id) => docs.delete(id))),
    registerUpload: (upload) => Promise.resolve(void uploads.set(upload._id, upload)),
    noteUpload: () => Promise.resolve(),
    deleteUpload: () => Promise.resolve(),
  };
}

const dataset = { _id: new Types.ObjectId(), fields: [{ name: 'note', type: 'string' }] } as unknown as Dataset;
const HOUR = 3_600_000;
/** 60 KB notes: 300 of them (18 MB) cannot share one bucket. */
const note = (i: number, tag = 'a'): string => `${tag}${i}:`.padEnd(60_000, '.');

async function writeAll(stores: RecordsStore, base: RecordSeries | undefined, points: [number, string][]): Promise<{ series: RecordSeries; write: SeriesWrite }> {
  const write = new SeriesWrite(stores, dataset, base, HOUR);
  for (const [t, value] of points) await write.add(t, [value]);
  const series = await write.seal();
  await write.cleanUpCommitted();
  return { series, write };
}

describe(SeriesWrite.name, () => {
  it('splits a window too large for one document into buckets of consecutive points, in time order', async () => {
    const stores = memoryStores();
    const { series } = await writeAll(stores, undefined, [...Array(300).keys()].reverse().map((i) => [i * 1000, note(i)]));
    expect(series.buckets.length).toBeGreaterThanOrEqual(3);
    expect(new Set(series.buckets.map((bucket) => bucket.start))).toEqual(new Set([0]));
    expect(series.buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(300);
    series.buckets.slice(1).forEach((bucket, i) => expect(bucket.first).toBeGreaterThan(series.buckets[i].last));
    const stored = series.buckets.flatMap((bucket) => stores.docs.get(bucket.id)?.v.note ?? []);
    expect(stored).toEqual([...Array(300).keys()].map((i) => note(i)));
  });

  it('rewrites only the bucket a later point reaches, and retires only it', async () => {
    const stores = memoryStores();
    const { series: before } = await writeAll(stores, undefined, [...Array(300).keys()].map((i) => [i * 1000, note(i)]));
    const reached = before.buckets.find((bucket) => bucket.first <= 150_000 && bucket.last >= 150_000);
    const { series: after } = await writeAll(stores, before, [[150_000, note(150, 'b')]]);

    const unchanged = before.buckets.filter((bucket) => bucket !== reached).map((bucket) => bucket.id);
    expect(after.buckets.map((bucket) => bucket.id)).toEqual(expect.arrayContaining(unchanged));
    expect(after.buckets.map((bucket) => bucket.id)).not.toContain(reached?.id);
    expect(stores.docs.has(reached?.id as string)).toBe(false);
    expect(after.buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(300);
    const stored = after.buckets.flatMap((bucket) => stores.docs.get(bucket.id)?.v.note ?? []);
    expect(stored).toEqual([...Array(300).keys()].map((i) => note(i, i === 150 ? 'b' : 'a')));
  });
});
