import { pointBytes, rowBytes } from './bucket-size';
import { windowStart } from './buckets';
import { PointBatch, Value } from '../points';
import { WindowPoints } from './window-points';

/**
 * Points held in memory before they are written out as bucket versions: each write-out is one insert of ~30
 * buckets at the target size (20 cost FerretDB ~10 % more CPU per point, 50 to 200 the same; at 50 a million-point
 * upload was refused with a 409 twice on a loaded machine, likely a lock renewal held up behind a long insert)...
 */
export const FLUSH_POINTS = 30_000;
/** ...or fewer, when they are large (estimated BSON bytes), so that a write-out of wide points stays small. */
export const FLUSH_BYTES = 16 * 1024 * 1024;

/** The points a records change has been given and not written yet, by window. */
export class WindowBuffer {
  private readonly open = new Map<number, WindowPoints>();
  private points = 0;
  private bytes = 0;
  /** The window the last point went to, and its bounds: a time-ordered upload finds it without a lookup. */
  private current?: WindowPoints;
  private currentStart = 0;
  private currentEnd = 0;

  constructor(
    private readonly spanMs: number,
    private readonly fieldCount: number,
  ) {}

  /** Adds (or replaces) a point; true when the buffer is full. */
  add(t: number, values: Value[]): boolean {
    if (this.windowOf(t).set(t, values)) this.points++;
    this.bytes += pointBytes(values);
    return this.isFull();
  }

  /** add() for the point at `row` of a parsed batch. */
  addFrom(batch: PointBatch, row: number): boolean {
    const t = batch.t[row];
    const points = this.current && t >= this.currentStart && t < this.currentEnd ? this.current : this.windowOf(t);
    if (points.setFrom(batch, row)) this.points++;
    this.bytes += rowBytes(batch.columns, row);
    return this.isFull();
  }

  private isFull(): boolean {
    return this.points >= FLUSH_POINTS || this.bytes >= FLUSH_BYTES;
  }

  private windowOf(t: number): WindowPoints {
    if (this.current && t >= this.currentStart && t < this.currentEnd) return this.current;
    const start = windowStart(t, this.spanMs);
    let points = this.open.get(start);
    if (!points) this.open.set(start, (points = new WindowPoints(this.fieldCount)));
    this.current = points;
    this.currentStart = start;
    this.currentEnd = start + this.spanMs;
    return points;
  }

  /** Takes the buffered windows out, all but the one holding `keep` (a timestamp) unless it is full on its own. */
  take(keep?: number): Map<number, WindowPoints> {
    const windows = new Map(this.open);
    this.open.clear();
    this.current = undefined;
    this.points = 0;
    this.bytes = 0;
    const start = keep === undefined ? undefined : windowStart(keep, this.spanMs);
    const kept = start === undefined ? undefined : windows.get(start);
    if (!kept || windows.size === 1) return windows;
    let bytes = 0;
    for (let row = 0; row < kept.size; row++) bytes += pointBytes(kept.row(row));
    if (bytes >= FLUSH_BYTES) return windows; // written all the same: its later points merge with it
    windows.delete(start as number);
    this.open.set(start as number, kept);
    this.points = kept.size;
    this.bytes = bytes;
    return windows;
  }
}
