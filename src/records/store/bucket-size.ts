/**
 * Bounding a bucket document by its encoded size, not only its point count:
 * 20,000 points of 60 number fields, or 17,000 points of a 1 KB string, pass
 * MongoDB's 16 MB document limit. A window whose points would exceed
 * MAX_BUCKET_BYTES (estimated) is split over several buckets, each holding a
 * run of consecutive timestamps.
 */
import { MAX_FIELDS } from '../../datasets/dataset-shape';
import type { DatasetField } from '../../datasets/dataset-shape';
import { BucketPoints, toColumns } from './buckets';
import { PointMap, Value } from '../points';
import { MAX_STRING_BYTES } from '../ingest/record-values';

/** Half the 16 MiB limit: the estimate need not be exact, and a single point must always fit. */
export const MAX_BUCKET_BYTES = 8 * 1024 * 1024;
const BSON_LIMIT = 16 * 1024 * 1024;

/** Per array element: its type byte and its key, the index as decimal text and a NUL (up to 20,000: 6 bytes). */
const ELEMENT_OVERHEAD = 7;

/**
 * The largest point there can be (every field a string at the length limit).
 * A bucket holds at most MAX_BUCKET_BYTES, or that one point alone: both fit
 * a document (with room for its id and keys), so splitting always succeeds.
 */
export const MAX_POINT_BYTES = ELEMENT_OVERHEAD + 8 + MAX_FIELDS * (ELEMENT_OVERHEAD + 4 + MAX_STRING_BYTES + 1);
if (Math.max(MAX_POINT_BYTES, MAX_BUCKET_BYTES) + 64 * 1024 > BSON_LIMIT) throw new Error('a bucket could pass the document size limit');

/** Estimated BSON bytes a point adds to a bucket (its timestamp and one element per field). */
export function pointBytes(values: readonly Value[]): number {
  let bytes = ELEMENT_OVERHEAD + 8;
  for (const value of values) {
    bytes += ELEMENT_OVERHEAD;
    if (typeof value === 'number') bytes += 8;
    else if (typeof value === 'string') bytes += 5 + Buffer.byteLength(value, 'utf8');
    else if (typeof value === 'boolean') bytes += 1;
  }
  return bytes;
}

/** A window's points as bucket columns: runs of consecutive timestamps, each within MAX_BUCKET_BYTES. */
export function splitBySize(points: PointMap, fields: readonly DatasetField[], maxBytes = MAX_BUCKET_BYTES): BucketPoints[] {
  let total = 0;
  for (const values of points.values()) total += pointBytes(values);
  if (total <= maxBytes) return points.size > 0 ? [toColumns(points, fields)] : []; // the usual case: one bucket, no copy
  const times = [...points.keys()].sort((a, b) => a - b);
  const parts: BucketPoints[] = [];
  let part: PointMap = new Map();
  let bytes = 0;
  for (const t of times) {
    const values = points.get(t) as Value[];
    const size = pointBytes(values);
    if (part.size > 0 && bytes + size > maxBytes) {
      parts.push(toColumns(part, fields));
      part = new Map();
      bytes = 0;
    }
    part.set(t, values);
    bytes += size;
  }
  if (part.size > 0) parts.push(toColumns(part, fields));
  return parts;
}
