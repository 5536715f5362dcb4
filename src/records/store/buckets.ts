/** The time-series layout as plain functions (no I/O): buckets of columns, a series listing them. docs/records.md#time-series-records */
import type { DatasetField } from '../../datasets/dataset-shape';
import { own, PointMap, Value } from '../points';
import { WindowPoints } from './window-points';

export interface FieldStats {
  /** Non-null values. */
  n: number;
  /** Numeric fields only. */
  min?: number;
  max?: number;
  sum?: number;
}

/** One bucket; a window too large for one document has several, whose [first, last] do not overlap. */
export interface BucketSummary {
  /** Window start (epoch ms); the window is [start, start + span). */
  start: number;
  /** Id of the bucket document holding the points. */
  id: string;
  count: number;
  /** First and last timestamps (epoch ms). */
  first: number;
  last: number;
  stats: Record<string, FieldStats>;
}

export interface BucketPoints {
  /** Timestamps (epoch ms), ascending, distinct. */
  t: number[];
  /** One column per field, aligned with `t`. */
  v: Record<string, Value[]>;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `15m` → 900000; undefined for anything else. */
export function durationMs(text: string): number | undefined {
  const match = /^([1-9]\d{0,8})(ms|s|m|h|d|w)$/.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

/**
 * The longest downsampling interval: about the span of the years 0000–9999.
 * Longer ones only ever make one interval, and their epoch-aligned starts
 * would lie far outside the dates timestamps can have.
 */
export const MAX_EVERY = '3650000d';
export const MAX_EVERY_MS = durationMs(MAX_EVERY) as number;

export const TARGET_POINTS_PER_BUCKET = 1_000;
/** A window denser than this is refused (its document would grow too large). */
export const MAX_POINTS_PER_BUCKET = 20_000;
const MIN_SPAN_MS = 1_000;
const MAX_SPAN_MS = 30 * 86_400_000;
const DEFAULT_SPAN_MS = 3_600_000;

/** The bucket span for a dataset: about TARGET_POINTS_PER_BUCKET points at its declared frequency. */
export function bucketSpanMs(frequency: string | undefined): number {
  const step = frequency ? durationMs(frequency) : undefined;
  if (!step) return DEFAULT_SPAN_MS;
  return Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, step * TARGET_POINTS_PER_BUCKET));
}

export function windowStart(t: number, spanMs: number): number {
  return Math.floor(t / spanMs) * spanMs;
}

/** Sorted columns of a point map. */
export function toColumns(points: PointMap, fields: readonly DatasetField[]): BucketPoints {
  return windowColumns(WindowPoints.from(points, fields.length).sort(), fields);
}

/** Rows [from, to) of a sorted window as bucket columns: the window's own arrays when that is all of them. */
export function windowColumns(window: WindowPoints, fields: readonly DatasetField[], from = 0, to = window.size): BucketPoints {
  const whole = from === 0 && to === window.size;
  const slice = <T>(column: T[]): T[] => (whole ? column : column.slice(from, to));
  return { t: slice(window.t), v: Object.fromEntries(fields.map((field, i) => [field.name, slice(window.columns[i])])) };
}

/** A point map from stored columns (fields missing from an older bucket read as null). */
export function fromColumns(bucket: BucketPoints, fields: readonly DatasetField[]): PointMap {
  const points: PointMap = new Map();
  bucket.t.forEach((time, row) =>
    points.set(
      time,
      fields.map((field) => own(bucket.v, field.name)?.[row] ?? null),
    ),
  );
  return points;
}

export function summarize(start: number, id: string, bucket: BucketPoints, fields: readonly DatasetField[]): BucketSummary {
  const stats: Record<string, FieldStats> = {};
  for (const field of fields) {
    const column = own(bucket.v, field.name) ?? [];
    const numeric = field.type === 'number';
    // Running totals in locals, set on the summary once: a double field of an object rewritten per value is a new heap number each time.
    let n = 0;
    let numbers = 0;
    let min = 0;
    let max = 0;
    let sum = 0;
    for (let row = 0; row < column.length; row++) {
      const value = column[row];
      if (value === null) continue;
      n++;
      if (numeric && typeof value === 'number') {
        min = numbers === 0 ? value : Math.min(min, value);
        max = numbers === 0 ? value : Math.max(max, value);
        sum += value;
        numbers++;
      }
    }
    stats[field.name] = numbers === 0 ? { n } : { n, min, max, sum };
  }
  return { start, id, count: bucket.t.length, first: bucket.t[0], last: bucket.t[bucket.t.length - 1], stats };
}

export interface SeriesStats {
  count: number;
  first?: number;
  last?: number;
  fields: Record<string, { count: number; min?: number; max?: number; mean?: number }>;
}

/** Dataset statistics from the bucket summaries alone. */
export function seriesStats(buckets: readonly BucketSummary[], fields: readonly DatasetField[]): SeriesStats {
  const result: SeriesStats = { count: 0, fields: {} };
  for (const field of fields) result.fields[field.name] = { count: 0 };
  const sum = new Map<string, number>();
  for (const bucket of buckets) {
    result.count += bucket.count;
    result.first = result.first === undefined ? bucket.first : Math.min(result.first, bucket.first);
    result.last = result.last === undefined ? bucket.last : Math.max(result.last, bucket.last);
    for (const field of fields) {
      const stats = own(bucket.stats, field.name);
      if (!stats) continue;
      const out = result.fields[field.name];
      out.count += stats.n;
      if (stats.min !== undefined) out.min = out.min === undefined ? stats.min : Math.min(out.min, stats.min);
      if (stats.max !== undefined) out.max = out.max === undefined ? stats.max : Math.max(out.max, stats.max);
      if (stats.sum !== undefined) sum.set(field.name, (sum.get(field.name) ?? 0) + stats.sum);
    }
  }
  for (const field of fields) {
    if (field.type === 'number' && result.fields[field.name].count > 0) {
      result.fields[field.name].mean = (sum.get(field.name) ?? 0) / result.fields[field.name].count;
    }
  }
  return result;
}
