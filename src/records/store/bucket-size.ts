/**
 * Bounding a bucket document by its encoded size, not only its point count:
 * 20,000 points of 60 number fields, or 17,000 points of a 1 KB string, pass
 * MongoDB's 16 MB document limit. A window whose points would exceed
 * MAX_BUCKET_BYTES (estimated) is split over several buckets, each holding a
 * run of consecutive timestamps.
 */
import { MAX_FIELDS } from '../../datasets/dataset-shape';
import type { DatasetField } from '../../datasets/dataset-shape';
import { BucketPoints, windowColumns } from './buckets';
import { PointMap, Value } from '../points';
import { WindowPoints } from './window-points';
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
  for (const value of values) bytes += valueBytes(value);
  return bytes;
}

/** pointBytes() of the point at `row` of these columns. */
export function rowBytes(columns: readonly (readonly Value[])[], row: number): number {
  let bytes = ELEMENT_OVERHEAD + 8;
  for (let i = 0; i < columns.length; i++) bytes += valueBytes(columns[i][row]);
  return bytes;
}

/**
 * The most BSON bytes a stored bucket of `count` points of these fields can take (every string at its length
 * limit; splitWindow keeps it within MAX_BUCKET_BYTES or one point): what a reader of many buckets at once holds.
 */
export function bucketBytesBound(count: number, fields: readonly DatasetField[]): number {
  let point = ELEMENT_OVERHEAD + 8;
  for (const field of fields) point += field.type === 'string' ? ELEMENT_OVERHEAD + 5 + MAX_STRING_BYTES : ELEMENT_OVERHEAD + 8;
  return Math.min(count * point, Math.max(MAX_BUCKET_BYTES, point));
}

/** Estimated BSON bytes of one value in a column. */
function valueBytes(value: Value): number {
  if (typeof value === 'number') return ELEMENT_OVERHEAD + 8;
  if (typeof value === 'string') return ELEMENT_OVERHEAD + 5 + Buffer.byteLength(value, 'utf8');
  if (typeof value === 'boolean') return ELEMENT_OVERHEAD + 1;
  return ELEMENT_OVERHEAD;
}

/** A window's points as bucket columns: runs of consecutive timestamps, each within MAX_BUCKET_BYTES. */
export function splitBySize(points: PointMap, fields: readonly DatasetField[], maxBytes = MAX_BUCKET_BYTES): BucketPoints[] {
  return splitWindow(WindowPoints.from(points, fields.length), fields, maxBytes);
}

/** splitBySize for a window held as columns: a window that fits is one bucket made of its own columns. */
export function splitWindow(window: WindowPoints, fields: readonly DatasetField[], maxBytes = MAX_BUCKET_BYTES): BucketPoints[] {
  window.sort();
  const sizes = new Array<number>(window.size).fill(ELEMENT_OVERHEAD + 8);
  for (const column of window.columns) for (let row = 0; row < sizes.length; row++) sizes[row] += valueBytes(column[row]);
  const parts: BucketPoints[] = [];
  let from = 0;
  let bytes = 0;
  for (let row = 0; row < sizes.length; row++) {
    if (row > from && bytes + sizes[row] > maxBytes) {
      parts.push(windowColumns(window, fields, from, row));
      from = row;
      bytes = 0;
    }
    bytes += sizes[row];
  }
  if (window.size > from) parts.push(windowColumns(window, fields, from));
  return parts;
}
