import { BSON } from 'mongodb';
import type { DatasetField } from '../../datasets/dataset-shape';
import { BucketSummary } from './buckets';
import { own } from '../points';
import type { RecordsStore } from './records.repository';
import type { PointRow, Value } from '../points';
import { RecordBucket } from '../schemas/record-bucket.schema';

/** Buckets read ahead of the one being returned. */
const PREFETCH_BUCKETS = 4;

/**
 * The points of `wanted` (buckets in time order) from `position.resumeAt`
 * until `to`, one bucket's worth at a time, a few buckets fetched ahead so
 * the store works while earlier points are being sent (kept as BSON bytes
 * until served: decoded early, their thousands of values were copied by each
 * young-generation collection while they waited). `position` follows
 * the points given out. Returns false if a bucket has gone meanwhile (a
 * concurrent write replaced it): the caller reads the new series from there.
 */
export async function* readBuckets(
  store: Pick<RecordsStore, 'findBucketBytes'>,
  wanted: readonly BucketSummary[],
  fields: readonly DatasetField[],
  position: { resumeAt: number },
  to: number,
): AsyncGenerator<PointRow[], boolean> {
  const fetches = new Map<number, Promise<Uint8Array | null>>();
  const fetch = (i: number): Promise<Uint8Array | null> | undefined => {
    if (i >= wanted.length) return undefined;
    if (!fetches.has(i)) {
      const request = store.findBucketBytes(wanted[i].id);
      request.catch(() => undefined);
      fetches.set(i, request);
    }
    return fetches.get(i);
  };
  for (let i = 0; i < wanted.length; i++) {
    // Prefetches: each request's rejection is caught where it is made, and surfaces when awaited.
    for (let ahead = 1; ahead <= PREFETCH_BUCKETS; ahead++) void fetch(i + ahead);
    const bytes = await fetch(i);
    fetches.delete(i);
    if (!bytes) return false;
    const doc = BSON.deserialize(bytes) as RecordBucket;
    const rows: PointRow[] = [];
    const columns = fields.map((field) => own(doc.v, field.name));
    for (let row = 0; row < doc.t.length; row++) {
      const t = doc.t[row];
      if (t < position.resumeAt || t >= to) continue;
      const values = new Array<Value>(columns.length);
      for (let i = 0; i < columns.length; i++) values[i] = columns[i]?.[row] ?? null;
      rows.push({ t, values });
    }
    if (rows.length > 0) {
      position.resumeAt = rows[rows.length - 1].t + 1;
      yield rows;
    }
  }
  return true;
}
