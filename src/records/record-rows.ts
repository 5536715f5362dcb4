import type { Value } from './buckets';

/** One point of an upload, as parsed. */
export interface ParsedRow {
  row: number;
  t: number;
  /** Aligned with the dataset's fields. */
  values: Value[];
}

/** Why one row of an upload was refused (row numbers as the client counts them). */
export interface RowError {
  row: number;
  error: string;
}

/** One point as read back: its time and its values, aligned with the dataset's fields. */
export interface PointRow {
  t: number;
  values: Value[];
}
