import { randomUUID } from 'node:crypto';
import type { Dataset } from '../../datasets/dataset-shape';
import { splitWindow } from './bucket-size';
import { BucketSummary, fromColumns, MAX_POINTS_PER_BUCKET, summarize } from './buckets';
import { PointBatch, PointMap, Value } from '../points';
import { RecordsInputError } from '../ingest/record-errors';
import type { RecordsStore } from './records.repository';
import { RecordBucket } from '../schemas/record-bucket.schema';
import { RecordSeries } from '../schemas/record-series.schema';
import { UPLOAD_ABANDONED_AFTER_MS, uploadBucketId } from '../schemas/record-upload.schema';
import { WindowBuffer } from './window-buffer';
import { WindowPoints } from './window-points';

/** Write-outs at once: the store prepares one batch while it commits another. */
const WRITES_IN_FLIGHT = 2;
/** Bucket ids noted ahead (and twice those needed): a few paperwork updates per upload, not one per write-out. */
const IDS_NOTED_AHEAD = 64;
/** Write-outs touch the paperwork at least this often, far within the janitor's threshold. */
const TOUCH_EVERY_MS = UPLOAD_ABANDONED_AFTER_MS / 10;

/**
 * One change of a dataset's records, all-or-nothing without transactions: new documents, then one commit
 * (DatasetsService.commitRecords), then the replaced ones deleted. Why: docs/records.md#time-series-records.
 */
export class SeriesWrite {
  readonly uploadId = randomUUID().replace(/-/g, '');
  readonly seriesId: string;
  readonly spanMs: number;
  /** Points added and not written yet. */
  private readonly buffer: WindowBuffer;
  /** The buckets, in time order, this change made of each window it touched (empty: the window is gone). */
  private readonly rewritten = new Map<number, BucketSummary[]>();
  private readonly baseByWindow = new Map<number, BucketSummary[]>();
  private readonly baseIds: Set<string>;
  private readonly newIds: string[] = [];
  private readonly oldIds: string[] = [];
  private version = 0;
  private registering?: Promise<void>;
  /** Bucket ids noted (the last update may be under way), and when the paperwork was last written. */
  private idsNoted = IDS_NOTED_AHEAD;
  private notedAt = Date.now();
  /** Paperwork updates, one after another (two at once could overwrite each other on FerretDB). */
  private noting: Promise<void> = Promise.resolve();
  /** Write-outs in progress; parsing goes on meanwhile. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The write-out writing each window, so that a later one touching the same window waits for it. */
  private readonly writingWindow = new Map<number, Promise<void>>();
  private failure?: Error;

  /** Points given to add(); with first and last timestamp. */
  added = 0;
  // Doubles from the start, so that add() updates them in place (an optional field would box each new value).
  private low = Infinity;
  private high = -Infinity;

  constructor(
    private readonly store: RecordsStore,
    private readonly dataset: Dataset,
    readonly base: RecordSeries | undefined,
    spanMs: number,
  ) {
    this.spanMs = base?.spanMs ?? spanMs;
    this.seriesId = `${dataset._id.toHexString()}:${this.uploadId}`;
    this.buffer = new WindowBuffer(this.spanMs, dataset.fields.length);
    for (const bucket of base?.buckets ?? []) {
      const list = this.baseByWindow.get(bucket.start) ?? [];
      list.push(bucket);
      this.baseByWindow.set(bucket.start, list);
    }
    this.baseIds = new Set((base?.buckets ?? []).map((bucket) => bucket.id));
  }

  /**
   * Adds (or replaces) one point. Returns a promise only when the buffer is
   * full and a write-out had to start (await it before adding more).
   */
  add(t: number, values: Value[]): Promise<void> | undefined {
    const full = this.buffer.add(t, values);
    this.low = this.added === 0 ? t : Math.min(this.low, t);
    this.high = this.added === 0 ? t : Math.max(this.high, t);
    this.added++;
    // The window being filled stays open: in a time-ordered upload the next points go there.
    return full ? this.startWriteOut(this.buffer.take(this.high)) : undefined;
  }

  /** add() for the point at `row` of a parsed batch (its time read here, not passed: a double passed on is boxed). */
  addFrom(batch: PointBatch, row: number): Promise<void> | undefined {
    const full = this.buffer.addFrom(batch, row);
    const t = batch.t[row];
    this.low = this.added === 0 ? t : Math.min(this.low, t);
    this.high = this.added === 0 ? t : Math.max(this.high, t);
    this.added++;
    return full ? this.startWriteOut(this.buffer.take(this.high)) : undefined;
  }

  get first(): number | undefined {
    return this.added === 0 ? undefined : this.low;
  }

  get last(): number | undefined {
    return this.added === 0 ? undefined : this.high;
  }

  /** The buckets a window has in this change (committed, or already rewritten), in time order. */
  private bucketsOf(start: number): BucketSummary[] {
    return this.rewritten.get(start) ?? this.baseByWindow.get(start) ?? [];
  }

  /** The points of some buckets, read back (in one query). */
  async pointsOf(buckets: readonly BucketSummary[]): Promise<PointMap> {
    const docs = new Map((await this.store.findBuckets(buckets.map((bucket) => bucket.id))).map((doc) => [doc._id, doc]));
    const points: PointMap = new Map();
    for (const bucket of buckets) {
      const doc = docs.get(bucket.id);
      if (!doc) throw new Error(`bucket ${bucket.id} is missing`);
      for (const [t, values] of fromColumns(doc, this.dataset.fields)) points.set(t, values);
    }
    return points;
  }

  /** Replaces a committed bucket's points wholesale (an empty map removes them). */
  async replace(bucket: BucketSummary, points: PointMap): Promise<void> {
    await this.register();
    await this.writeBuckets([{ start: bucket.start, old: [bucket], points: WindowPoints.from(points, this.dataset.fields.length) }]);
  }

  /** Buckets of the committed series with points in [from, to). */
  baseBuckets(from: number, to: number): BucketSummary[] {
    return (this.base?.buckets ?? []).filter((bucket) => bucket.first < to && bucket.last >= from);
  }

  /** Writes out everything buffered, and waits for all write-outs. */
  async flush(): Promise<void> {
    await this.startWriteOut(this.buffer.take());
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /** Starts a write-out once fewer than WRITES_IN_FLIGHT run (memory: those plus one buffer filling). */
  private async startWriteOut(windows: Map<number, WindowPoints>): Promise<void> {
    while (this.inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(this.inFlight);
    this.throwIfFailed();
    if (windows.size === 0) return;
    const before = [...windows.keys()].map((start) => this.writingWindow.get(start)).filter((write) => write !== undefined);
    const write = Promise.all(before).then(() => this.writeOut(windows));
    this.inFlight.add(write);
    for (const start of windows.keys()) this.writingWindow.set(start, write);
    write
      .catch((error: unknown) => (this.failure ??= error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        this.inFlight.delete(write);
        for (const start of windows.keys()) if (this.writingWindow.get(start) === write) this.writingWindow.delete(start);
      });
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Merges new points into their windows: only the buckets whose time span they reach are read and rewritten. */
  private async writeOut(windows: Map<number, WindowPoints>): Promise<void> {
    await this.register();
    const changes: WindowChange[] = [];
    for (const start of [...windows.keys()].sort((a, b) => a - b)) {
      const added = windows.get(start) as WindowPoints;
      const { low, high } = added.range();
      const reached = this.bucketsOf(start).filter((bucket) => bucket.last >= low && bucket.first <= high);
      if (reached.length === 0) {
        changes.push({ start, old: reached, points: added }); // nothing to merge with: no copy of the points
        continue;
      }
      const points = WindowPoints.from(await this.pointsOf(reached), this.dataset.fields.length);
      for (let row = 0; row < added.size; row++) points.set(added.t[row], added.row(row));
      changes.push({ start, old: reached, points });
    }
    await this.writeBuckets(changes);
  }

  /** The bucket list the change results in, in time order. */
  buckets(): BucketSummary[] {
    const windows = new Map(this.baseByWindow);
    for (const [start, list] of this.rewritten) windows.set(start, list);
    return [...windows.values()].flat().sort((a, b) => a.start - b.start || a.first - b.first);
  }

  /** Writes the series document; `commit` then makes it current. Returns it. */
  async seal(): Promise<RecordSeries> {
    await this.flush();
    await this.register();
    const series: RecordSeries = {
      _id: this.seriesId,
      datasetId: this.dataset._id.toHexString(),
      spanMs: this.spanMs,
      buckets: this.buckets(),
      createdAt: new Date(),
    };
    if (this.base) this.oldIds.push(this.base._id);
    // The janitor needs every replaced id before the commit: the write-outs noted only ids of their own.
    await this.note();
    await this.store.insertSeries(series);
    return series;
  }

  /** After the commit: removes what the change replaced but versions still hold (`held`), and its paperwork. */
  async cleanUpCommitted(held: ReadonlySet<string> = new Set()): Promise<void> {
    await this.store.deleteDocuments(this.oldIds.filter((id) => !held.has(id)));
    await this.store.deleteUpload(this.uploadId);
  }

  /** The change failed: removes everything it wrote. */
  async discard(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    if (!this.registering) return;
    await this.registering.catch(() => undefined);
    await this.store.deleteDocuments([...this.newIds, this.seriesId]);
    await this.store.deleteUpload(this.uploadId);
  }

  /** Writes each window's new points as buckets in place of the `old` ones (none for an empty map). */
  private async writeBuckets(changes: WindowChange[]): Promise<void> {
    const datasetId = this.dataset._id.toHexString();
    const docs: RecordBucket[] = [];
    const superseded: string[] = [];
    const results = new Map<number, BucketSummary[]>();
    for (const { start, old, points } of changes) {
      const kept = this.bucketsOf(start).filter((bucket) => !old.includes(bucket));
      if (kept.reduce((sum, bucket) => sum + bucket.count, points.size) > MAX_POINTS_PER_BUCKET) {
        const span = new Date(start).toISOString();
        throw new RecordsInputError(
          `more than ${MAX_POINTS_PER_BUCKET} points fall in one ${this.spanMs / 1000} s window (from ${span}): points are denser than the dataset's frequency allows`,
        );
      }
      const written = splitWindow(points, this.dataset.fields).map((columns) => {
        const id = uploadBucketId(datasetId, this.uploadId, this.version++);
        docs.push({ _id: id, datasetId, start, ...columns });
        return summarize(start, id, columns, this.dataset.fields);
      });
      results.set(
        start,
        [...kept, ...written].sort((a, b) => a.first - b.first),
      );
      superseded.push(...this.retire(old));
    }
    // Paperwork first: a crash after the insert must not leave unlisted documents.
    await this.noteIds(this.version);
    this.newIds.push(...docs.map((doc) => doc._id));
    await this.store.insertBuckets(docs);
    for (const [start, list] of results) this.rewritten.set(start, list);
    await this.store.deleteDocuments(superseded);
  }

  /**
   * Buckets being superseded. Committed ones are deleted after the commit
   * (readers may still use them); those this change wrote itself are
   * returned, to be deleted right away.
   */
  private retire(buckets: readonly BucketSummary[]): string[] {
    const own: string[] = [];
    for (const { id } of buckets) {
      if (!this.baseIds.has(id)) own.push(id);
      else if (!this.oldIds.includes(id)) this.oldIds.push(id);
    }
    return own;
  }

  private register(): Promise<void> {
    this.registering ??= this.store.registerUpload({
      _id: this.uploadId,
      datasetId: this.dataset._id.toHexString(),
      seriesId: this.seriesId,
      newIds: [],
      bucketIdsNoted: IDS_NOTED_AHEAD,
      oldIds: [],
      touchedAt: new Date(),
    });
    return this.registering;
  }

  /** Resolves once bucket ids below `count` are noted (by the last update, perhaps under way); ahead, in growing blocks. */
  private noteIds(count: number): Promise<void> {
    if (count <= this.idsNoted && Date.now() - this.notedAt < TOUCH_EVERY_MS) return this.noting;
    if (count > this.idsNoted) this.idsNoted = 2 * count + IDS_NOTED_AHEAD;
    return this.note();
  }

  /** Writes the paperwork as it stands (noted ids, replaced ids), after any update before it. */
  private note(): Promise<void> {
    this.notedAt = Date.now();
    const update = (): Promise<void> => this.store.noteUpload(this.uploadId, { bucketIdsNoted: this.idsNoted, oldIds: [...this.oldIds] });
    this.noting = this.noting.then(update, update);
    return this.noting;
  }
}

/** New points for a window, merged with the buckets they replace. */
interface WindowChange {
  start: number;
  old: BucketSummary[];
  points: WindowPoints;
}
