// The points of a series as the code passes them around: values, rows, and the maps windows are built in.

/** One value of a field: what a point holds for it (null: none). */
export type Value = number | string | boolean | null;

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

/** Points of one window being assembled: the last value written for a timestamp wins. */
export type PointMap = Map<number, Value[]>;

/**
 * `record[key]` if the record has it as its own property. Field names index
 * plain objects, and a field may be called `constructor` or `valueOf`: a
 * bare `record[name]` would find Object.prototype's instead of nothing.
 */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
