import { HOUR } from '../../common/testing/time';
import { BSON } from 'mongodb';
import { Types } from 'mongoose';
import type { Dataset } from '../../datasets/dataset-shape';
import { strictMock } from '../../common/testing/strict-mock';
import type { RecordsStore } from './records.repository';
import { RecordBucket } from '../schemas/record-bucket.schema';
import { RecordSeries } from '../schemas/record-series.schema';
import { notedBucketIds, RecordUpload } from '../schemas/record-upload.schema';
import { DatasetsService } from '../../datasets/datasets.service';
import { RecordsJanitor } from './records-janitor';
import { RecordsRepository } from './records.repository';
import { SeriesWrite } from './series-write';
import { VersionsRepository } from './versions.repository';
import { FLUSH_POINTS } from './window-buffer';

/** The store SeriesWrite uses, over in-memory maps. */
function memoryStores(): RecordsStore & { docs: Map<string, RecordBucket> } {
  const docs = new Map<string, RecordBucket>();
  const uploads = new Map<string, RecordUpload>();
  return {
    docs,
    findSeries: () => Promise.resolve(null),
    findBuckets: (ids) => Promise.resolve(ids.flatMap((id) => docs.get(id) ?? [])),
    findBucketsBytes: (ids) =>
      Promise.resolve(new Map(ids.flatMap((id) => (docs.has(id) ? [[id, BSON.serialize(docs.get(id) as RecordBucket)] as const] : [])))),
    insertBuckets: (many) => Promise.resolve(many.forEach((doc) => docs.set(doc._id, structuredClone(doc)))),
    insertSeries: () => Promise.resolve(),
    deleteDocuments: (ids) => Promise.resolve(ids.forEach((id) => docs.delete(id))),
    registerUpload: (upload) => Promise.resolve(void uploads.set(upload._id, upload)),
    noteUpload: () => Promise.resolve(),
    deleteUpload: () => Promise.resolve(),
  };
}

const dataset = { _id: new Types.ObjectId(), fields: [{ name: 'note', type: 'string' }] } as unknown as Dataset;
/** 60 KB notes: 300 of them (18 MB) cannot share one bucket. */
const note = (i: number, tag = 'a'): string => `${tag}${i}:`.padEnd(60_000, '.');

async function writeAll(
  stores: RecordsStore,
  base: RecordSeries | undefined,
  points: [number, string][],
  held: ReadonlySet<string> = new Set(),
): Promise<{ series: RecordSeries; write: SeriesWrite }> {
  const write = new SeriesWrite(stores, dataset, base, HOUR);
  for (const [t, value] of points) await write.add(t, [value]);
  const series = await write.seal();
  await write.cleanUpCommitted(held);
  return { series, write };
}

describe(SeriesWrite.name, () => {
  it('splits a window too large for one document into buckets of consecutive points, in time order', async () => {
    const stores = memoryStores();
    const { series } = await writeAll(
      stores,
      undefined,
      [...Array(300).keys()].reverse().map((i) => [i * 1000, note(i)]),
    );
    expect(series.buckets.length).toBeGreaterThanOrEqual(3);
    expect(new Set(series.buckets.map((bucket) => bucket.start))).toEqual(new Set([0]));
    expect(series.buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(300);
    series.buckets.slice(1).forEach((bucket, i) => expect(bucket.first).toBeGreaterThan(series.buckets[i].last));
    const stored = series.buckets.flatMap((bucket) => stores.docs.get(bucket.id)?.v.note ?? []);
    expect(stored).toEqual([...Array(300).keys()].map((i) => note(i)));
  });

  it('rewrites only the bucket a later point reaches, and retires only it', async () => {
    const stores = memoryStores();
    const { series: before } = await writeAll(
      stores,
      undefined,
      [...Array(300).keys()].map((i) => [i * 1000, note(i)]),
    );
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

  it('keeps a replaced bucket that a version holds', async () => {
    const stores = memoryStores();
    const { series: before } = await writeAll(stores, undefined, [
      [0, 'a'],
      [HOUR, 'b'],
    ]);
    const [first, second] = before.buckets.map((bucket) => bucket.id);
    await writeAll(
      stores,
      before,
      [
        [0, 'c'],
        [HOUR, 'd'],
      ],
      new Set([first]),
    );
    expect(stores.docs.has(first)).toBe(true);
    expect(stores.docs.has(second)).toBe(false);
  });
});

/** A store that holds what was written and fails where told. */
function failingStore(fail: { bucketInsert?: number; seriesInsert?: boolean } = {}) {
  const buckets = new Map<string, RecordBucket>();
  const series = new Map<string, RecordSeries>();
  const uploads = new Map<string, RecordUpload>();
  let inserts = 0;
  /** Every bucket id ever inserted (to show the failure came after some writes). */
  const written: string[] = [];
  const store = strictMock<RecordsStore>('store', {
    findSeries: async (id) => series.get(id) ?? null,
    findBuckets: async (ids) => ids.flatMap((id) => buckets.get(id) ?? []),
    insertBuckets: async (docs) => {
      if (++inserts === fail.bucketInsert) throw new Error('insert failed');
      for (const doc of docs) buckets.set(doc._id, doc);
      written.push(...docs.map((doc) => doc._id));
    },
    insertSeries: async (doc) => {
      if (fail.seriesInsert) throw new Error('series insert failed');
      series.set(doc._id, doc);
    },
    deleteDocuments: async (ids) => ids.forEach((id) => (id.split(':').length > 2 ? buckets.delete(id) : series.delete(id))),
    registerUpload: async (upload) => void uploads.set(upload._id, upload),
    noteUpload: async () => undefined,
    deleteUpload: async (id) => void uploads.delete(id),
  });
  return { store, buckets, series, uploads, written };
}
const numbers = { _id: new Types.ObjectId(), fields: [{ name: 'kw', type: 'number' }] } as unknown as Dataset;
/** `count` points `stepMs` apart from `from`. */
const points = (from: number, count: number, stepMs = 1000): [number, number][] =>
  Array.from({ length: count }, (_, i) => [from + i * stepMs, i]);

/** Adds the points and seals; on failure discards, as RecordsService does, and rethrows. */
async function change(stores: RecordsStore, base: RecordSeries | undefined, rows: [number, number][]): Promise<RecordSeries> {
  const write = new SeriesWrite(stores, numbers, base, HOUR);
  try {
    for (const [t, value] of rows) await write.add(t, [value]);
    const sealed = await write.seal();
    await write.cleanUpCommitted();
    return sealed;
  } catch (error) {
    await write.discard();
    throw error;
  }
}

describe(`${SeriesWrite.name}: all or nothing`, () => {
  it('a write-out failing after others succeeded leaves no bucket, series or upload entry behind', async () => {
    const { store: stores, buckets, series, uploads, written } = failingStore({ bucketInsert: 2 });
    // FLUSH_POINTS fill the buffer: the first hours are written out first, the rest when sealing (and that insert fails).
    const rows = [...points(0, FLUSH_POINTS - 10, 200), ...points(10 * HOUR, 10), ...points(11 * HOUR, 10)];
    await expect(change(stores, undefined, rows)).rejects.toThrow('insert failed');
    expect(written.length).toBeGreaterThan(0);
    expect(buckets.size).toBe(0);
    expect(series.size).toBe(0);
    expect(uploads.size).toBe(0);
  });

  it('a series insert failing after every bucket was written removes those buckets', async () => {
    const { store: stores, buckets, series, uploads } = failingStore({ seriesInsert: true });
    await expect(change(stores, undefined, [...points(0, 5), ...points(HOUR, 5)])).rejects.toThrow('series insert failed');
    expect([buckets.size, series.size, uploads.size]).toEqual([0, 0, 0]);
  });

  it('a failed change of a committed series leaves the committed buckets and series as they were', async () => {
    const { store: stores, buckets, series, written } = failingStore({ bucketInsert: 3 });
    const base = await change(stores, undefined, [...points(0, 5), ...points(HOUR, 5)]);
    const committed = new Map(buckets);
    expect(committed.size).toBe(2);
    const rewrite = new SeriesWrite(stores, numbers, base, HOUR);
    // Rewrites window 0's bucket (its own new one replaces it in the change), then fails on window 1.
    await rewrite.replace(base.buckets[0], new Map([[0, [7]]]));
    await expect(rewrite.replace(base.buckets[1], new Map([[HOUR, [8]]]))).rejects.toThrow('insert failed');
    expect(written.length).toBe(3);
    await rewrite.discard();
    expect(buckets).toEqual(committed);
    expect([...series.keys()]).toEqual([base._id]);
  });

  it('points too dense for one window are refused, and nothing stays written', async () => {
    const { store: stores, buckets, uploads } = failingStore();
    const rows = [...points(HOUR, 10), ...points(0, 20_001, 100)];
    await expect(change(stores, undefined, rows)).rejects.toThrow('points are denser than the dataset');
    expect([buckets.size, uploads.size]).toEqual([0, 0]);
  });
});

/** A store whose paperwork takes effect only when its (delayed) update does, and that refuses to insert a bucket not noted by then. */
function paperworkStore() {
  const buckets = new Map<string, RecordBucket>();
  const uploads = new Map<string, RecordUpload>();
  /** bucketIdsNoted of each paperwork update. */
  const notes: number[] = [];
  const store = strictMock<RecordsStore>('store', {
    insertBuckets: async (docs) => {
      const noted = new Set([...uploads.values()].flatMap(notedBucketIds));
      const unnoted = docs.find((doc) => !noted.has(doc._id));
      if (unnoted) throw new Error(`bucket ${unnoted._id} inserted before it was noted`);
      for (const doc of docs) buckets.set(doc._id, doc);
    },
    insertSeries: async () => undefined,
    deleteDocuments: async (ids) => ids.forEach((id) => buckets.delete(id)),
    registerUpload: async (upload) => void uploads.set(upload._id, { ...upload }),
    noteUpload: async (id, { bucketIdsNoted, oldIds }) => {
      await new Promise((resolve) => setTimeout(resolve, 5)); // a round trip: write-outs meanwhile must wait for it
      notes.push(bucketIdsNoted);
      uploads.set(id, { ...(uploads.get(id) as RecordUpload), bucketIdsNoted, oldIds: [...oldIds] });
    },
    deleteUpload: async (id) => void uploads.delete(id),
  });
  return { store, buckets, uploads, notes };
}

describe(`${SeriesWrite.name}: paperwork`, () => {
  // 100 points a second in windows of a second: a bucket per 100 points, ~500 per write-out.
  const write = (store: RecordsStore): SeriesWrite => new SeriesWrite(store, numbers, undefined, 1000);
  const add = async (to: SeriesWrite, from: number, count: number): Promise<void> => {
    for (const [t, value] of points(from, count, 10)) await to.add(t, [value]);
  };

  it('notes bucket ids ahead in growing blocks: four updates for 2,500 buckets in nine write-outs, each id noted before its insert', async () => {
    const { store, buckets, notes } = paperworkStore();
    const upload = write(store);
    await add(upload, 0, 250_000);
    const series = await upload.seal();
    expect(series.buckets).toHaveLength(2_500);
    expect(buckets.size).toBe(2_500);
    // Ids beyond the 64 noted at registration: 2 × 299 + 64 once the first write-out (30,000 points) needed 299, 2 × 897 + 64
    // once the fourth needed 897, and so on; then the seal.
    expect(notes).toEqual([662, 1_858, 4_250, 4_250]);
  });

  it('touches the paperwork on a write-out a minute after the last update, though its ids were noted already', async () => {
    let now = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const { store, notes } = paperworkStore();
      const upload = write(store);
      await add(upload, 0, 30_000);
      await upload.flush();
      now += 59_000;
      await add(upload, 500_000, 10_000);
      await upload.flush();
      expect(notes).toEqual([662]);
      now += 1_000;
      await add(upload, 600_000, 10_000);
      await upload.flush();
      expect(notes).toEqual([662, 662]);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('a write that dies after its write-outs leaves paperwork from which the janitor deletes every bucket it wrote', async () => {
    const { store, buckets, uploads } = paperworkStore();
    const upload = write(store);
    await add(upload, 0, 120_000);
    await upload.flush(); // the process dies here: neither sealed nor discarded
    expect(buckets.size).toBe(1_200);
    expect(notedBucketIds(uploads.get(upload.uploadId) as RecordUpload).length).toBeGreaterThan(1_200);
    const repository = strictMock<RecordsRepository>('RecordsRepository', {
      findUploadsUntouchedSince: async () => [...uploads.values()],
      deleteDocuments: (ids: readonly string[]) => store.deleteDocuments(ids),
      deleteUpload: (id: string) => store.deleteUpload(id),
    });
    const datasets = strictMock<DatasetsService>('DatasetsService', { recordSeriesIdOf: async () => undefined });
    await new RecordsJanitor(repository, datasets, strictMock<VersionsRepository>('VersionsRepository', {})).sweep();
    expect([buckets.size, uploads.size]).toEqual([0, 0]);
  });
});
