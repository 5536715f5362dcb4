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

/**
 * The rows of an upload as parsed, its points in columns: no object or array
 * per point (a million-row upload made a million of each, most of the ingest's
 * garbage). Each refused row is kept with the number of points before it.
 * A parser fills one batch again for each piece of the body: a batch holds
 * until the next is asked for, and its arrays, grown once, are not regrown.
 */
export class PointBatch {
  /** Row of each point, as the client counts them. */
  readonly rowOf: number[] = [];
  readonly t: number[] = [];
  /** One column per field, aligned with `t` (entries from `size` on are left over from earlier rows). */
  readonly columns: Value[][];
  readonly errors: RowError[] = [];
  /** For each error, the points before it in the batch. */
  readonly errorAt: number[] = [];
  private points = 0;

  constructor(fieldCount: number) {
    this.columns = Array.from({ length: fieldCount }, () => []);
  }

  /** Points in the batch. */
  get size(): number {
    return this.points;
  }

  /** Rows in the batch: its points and its errors. */
  get length(): number {
    return this.points + this.errors.length;
  }

  /** Points before the first error (all of them if none). */
  get clean(): number {
    return this.errors.length > 0 ? this.errorAt[0] : this.points;
  }

  /** Empties the batch for the next piece. */
  clear(): void {
    this.points = 0;
    this.errors.length = 0;
    this.errorAt.length = 0;
  }

  add(point: ParsedRow): void {
    for (let i = 0; i < this.columns.length; i++) this.columns[i][this.points] = point.values[i];
    this.commit(point.row, point.t);
  }

  /** Adds the point whose values the caller has written at index `size` of every column. */
  commit(row: number, t: number): void {
    this.rowOf[this.points] = row;
    this.t[this.points] = t;
    this.points++;
  }

  refuse(error: RowError): void {
    this.errors.push(error);
    this.errorAt.push(this.points);
  }
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
