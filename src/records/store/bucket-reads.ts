import { BSON } from 'mongodb';
import type { DatasetField } from '../../datasets/dataset-shape';
import { bucketBytesBound } from './bucket-size';
import { BucketSummary } from './buckets';
import { own } from '../points';
import type { RecordsStore } from './records.repository';
import type { PointRow, Value } from '../points';
import { RecordBucket } from '../schemas/record-bucket.schema';

/** Buckets in one read of the store at most: one `$in` query costs FerretDB far less per bucket than a lookup each... */
export const BUCKETS_PER_READ = 32;
/**
 * ...and bytes at most (bucketBytesBound), unless one bucket alone is larger: a read's buckets are held at once, with
 * READS_AHEAD more (at 4 MB and 64 buckets a Parquet export's peak RSS rose by ~30 MB, to 238).
 */
export const BYTES_PER_READ = 2 * 1024 * 1024;
/** Reads in flight ahead of the one being served: the store works while earlier points are being sent. */
const READS_AHEAD = 2;

/** `wanted` cut into runs of consecutive buckets, each one read of the store. */
export function bucketReads(wanted: readonly BucketSummary[], fields: readonly DatasetField[]): BucketSummary[][] {
  const reads: BucketSummary[][] = [];
  let bytes = 0;
  for (const bucket of wanted) {
    const size = bucketBytesBound(bucket.count, fields);
    const last = reads[reads.length - 1];
    if (last && last.length < BUCKETS_PER_READ && bytes + size <= BYTES_PER_READ) {
      last.push(bucket);
      bytes += size;
    } else {
      reads.push([bucket]);
      bytes = size;
    }
  }
  return reads;
}

/**
 * The points of `wanted` (buckets in time order) from `position.resumeAt`
 * until `to`, one bucket's worth at a time. Buckets are fetched a run at a
 * time (bucketReads), a few runs ahead, and kept as BSON bytes until served
 * (decoded early, their thousands of values were copied by each young-generation
 * collection while they waited). `position` follows the points given out.
 * Returns false if a bucket has gone meanwhile (a concurrent write replaced
 * it): the caller reads the new series from there.
 */
export async function* readBuckets(
  store: Pick<RecordsStore, 'findBucketsBytes'>,
  wanted: readonly BucketSummary[],
  fields: readonly DatasetField[],
  position: { resumeAt: number },
  to: number,
): AsyncGenerator<PointRow[], boolean> {
  const reads = bucketReads(wanted, fields);
  const fetches = new Map<number, Promise<Map<string, Uint8Array>>>();
  const fetch = (i: number): Promise<Map<string, Uint8Array>> | undefined => {
    if (i >= reads.length) return undefined;
    if (!fetches.has(i)) {
      const request = store.findBucketsBytes(reads[i].map((bucket) => bucket.id));
      request.catch(() => undefined);
      fetches.set(i, request);
    }
    return fetches.get(i);
  };
  for (let i = 0; i < reads.length; i++) {
    const current = fetch(i) as Promise<Map<string, Uint8Array>>;
    // Prefetches, asked after the read needed now: each request's rejection is caught where it is made, and surfaces when awaited.
    for (let ahead = 1; ahead <= READS_AHEAD; ahead++) void fetch(i + ahead);
    const found = await current;
    fetches.delete(i);
    for (const { id } of reads[i]) {
      const bytes = found.get(id);
      if (!bytes) return false;
      found.delete(id); // served buckets' bytes go as the read goes on
      const rows = bucketRows(BSON.deserialize(bytes) as RecordBucket, fields, position.resumeAt, to);
      if (rows.length > 0) {
        position.resumeAt = rows[rows.length - 1].t + 1;
        yield rows;
      }
    }
  }
  return true;
}

/** A bucket's points within [from, to), values aligned with `fields`. */
function bucketRows(doc: RecordBucket, fields: readonly DatasetField[], from: number, to: number): PointRow[] {
  const rows: PointRow[] = [];
  const columns = fields.map((field) => own(doc.v, field.name));
  for (let row = 0; row < doc.t.length; row++) {
    const t = doc.t[row];
    if (t < from || t >= to) continue;
    const values = new Array<Value>(columns.length);
    for (let i = 0; i < columns.length; i++) values[i] = columns[i]?.[row] ?? null;
    rows.push({ t, values });
  }
  return rows;
}
