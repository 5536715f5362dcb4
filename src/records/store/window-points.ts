import { PointBatch, PointMap, Value } from '../points';

/**
 * The points of one window as columns: a time column and one column per
 * field. An upload adds a million points, and a Map entry and an array per
 * point, held until their batch is written, were most of the ingest's garbage
 * collection; columns of numbers are unboxed arrays of doubles, and in a
 * time-ordered upload they are already the bucket's columns.
 * The last value given for a timestamp wins, as in a PointMap.
 */
export class WindowPoints {
  readonly t: number[] = [];
  readonly columns: Value[][];
  /** Row of each timestamp: made only once a timestamp comes that is not after the last one. */
  private rowOf?: Map<number, number>;
  private ordered = true;

  constructor(fieldCount: number) {
    this.columns = Array.from({ length: fieldCount }, () => []);
  }

  static from(points: PointMap, fieldCount: number): WindowPoints {
    const window = new WindowPoints(fieldCount);
    for (const [t, values] of points) window.set(t, values);
    return window;
  }

  get size(): number {
    return this.t.length;
  }

  /** Adds or replaces a point; true when it is new. */
  set(t: number, values: readonly Value[]): boolean {
    const size = this.t.length;
    const row = this.rowFor(t);
    const { columns } = this;
    for (let i = 0; i < columns.length; i++) columns[i][row] = values[i] ?? null;
    return row === size;
  }

  /** set() for the point at `from` of a parsed batch: no array for the point, and no number boxed to pass it. */
  setFrom(batch: PointBatch, from: number): boolean {
    const t = batch.t[from];
    const size = this.t.length;
    let row = size;
    if (!this.rowOf && (size === 0 || t > this.t[size - 1])) this.t.push(t);
    else row = this.rowFor(t);
    const { columns } = this;
    const source = batch.columns;
    for (let i = 0; i < columns.length; i++) columns[i][row] = source[i][from];
    return row === size;
  }

  /** The row of timestamp `t`: the one it has, or a new one at the end (its time set, its values to be). */
  private rowFor(t: number): number {
    const last = this.t.length - 1;
    if (!this.rowOf && (last < 0 || t > this.t[last])) {
      this.t.push(t);
      return last + 1;
    }
    const rowOf = (this.rowOf ??= new Map(this.t.map((time, row) => [time, row])));
    const row = rowOf.get(t);
    if (row !== undefined) return row;
    if (t < this.t[last]) this.ordered = false;
    rowOf.set(t, this.t.length);
    this.t.push(t);
    return this.t.length - 1;
  }

  /** Lowest and highest timestamp (of a window holding points). */
  range(): { low: number; high: number } {
    if (this.ordered) return { low: this.t[0], high: this.t[this.t.length - 1] };
    let low = Infinity;
    let high = -Infinity;
    for (const t of this.t) {
      if (t < low) low = t;
      if (t > high) high = t;
    }
    return { low, high };
  }

  /** The values of a row, aligned with the fields. */
  row(row: number): Value[] {
    return this.columns.map((column) => column[row]);
  }

  /** Puts the rows in time order (a no-op for a time-ordered upload). */
  sort(): this {
    if (this.ordered) return this;
    const order = this.t.map((_, row) => row).sort((a, b) => this.t[a] - this.t[b]);
    for (const column of [this.t as Value[], ...this.columns]) {
      const sorted = order.map((row) => column[row]);
      for (let row = 0; row < sorted.length; row++) column[row] = sorted[row];
    }
    this.rowOf = undefined;
    this.ordered = true;
    return this;
  }
}
