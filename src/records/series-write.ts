import { BadRequestException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Model } from 'mongoose';
import { Dataset } from '../datasets/schemas/dataset.schema';
import {
  BucketSummary,
  fromColumns,
  MAX_POINTS_PER_BUCKET,
  PointMap,
  summarize,
  toColumns,
  Value,
  windowStart,
} from './buckets';
import { RecordBucket } from './schemas/record-bucket.schema';
import { RecordSeries } from './schemas/record-series.schema';
import { RecordUpload } from './schemas/record-upload.schema';

/** Points held in memory before they are written out as bucket versions. */
export const FLUSH_POINTS = 20_000;
/** Write-outs at once: the store prepares one batch while it commits another. */
const WRITES_IN_FLIGHT = 2;

export interface RecordStores {
  buckets: Model<RecordBucket>;
  series: Model<RecordSeries>;
  uploads: Model<RecordUpload>;
}

/**
 * One change of a dataset's records, made all-or-nothing without transactions.
 *
 * Nothing committed is ever modified: rewritten windows get new bucket
 * documents, written as the change goes (so memory stays bounded however big
 * the upload), and a new series document lists the result. The change takes
 * effect in one single-document write — the dataset pointing at the new
 * series (DatasetsService.commitRecords) — and then the replaced documents are
 * deleted. Until then readers see the old series; if the change fails, its
 * documents are deleted; if the process dies, the RecordUpload entry tells
 * the janitor which documents are garbage.
 */
export class SeriesWrite {
  readonly uploadId = randomUUID().replace(/-/g, '');
  readonly seriesId: string;
  readonly spanMs: number;
  /** Points added and not written yet, by window. */
  private readonly open = new Map<number, PointMap>();
  private buffered = 0;
  /** The latest version this change wrote for each window it touched (null: the window is gone). */
  private readonly rewritten = new Map<number, BucketSummary | null>();
  private readonly baseByWindow: Map<number, BucketSummary>;
  private readonly newIds: string[] = [];
  private readonly oldIds: string[] = [];
  private version = 0;
  private registering?: Promise<void>;
  /** Paperwork updates, one after another (two at once could overwrite each other on FerretDB). */
  private noting: Promise<void> = Promise.resolve();
  /** Write-outs in progress; parsing goes on meanwhile. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The write-out writing each window, so that a later one touching the same window waits for it. */
  private readonly writingWindow = new Map<number, Promise<void>>();
  private failure?: unknown;

  /** Points given to add(); with first and last timestamp. */
  added = 0;
  first?: number;
  last?: number;

  constructor(
    private readonly stores: RecordStores,
    private readonly dataset: Dataset,
    readonly base: RecordSeries | undefined,
    spanMs: number,
  ) {
    this.spanMs = base?.spanMs ?? spanMs;
    this.seriesId = `${dataset._id.toHexString()}:${this.uploadId}`;
    this.baseByWindow = new Map((base?.buckets ?? []).map((bucket) => [bucket.start, bucket]));
  }

  /**
   * Adds (or replaces) one point. Returns a promise only when the buffer is
   * full and a write-out had to start (await it before adding more).
   */
  add(t: number, values: Value[]): Promise<void> | undefined {
    const start = windowStart(t, this.spanMs);
    let points = this.open.get(start);
    if (!points) this.open.set(start, (points = new Map()));
    if (!points.has(t)) this.buffered++;
    points.set(t, values);
    this.added++;
    this.first = this.first === undefined ? t : Math.min(this.first, t);
    this.last = this.last === undefined ? t : Math.max(this.last, t);
    if (this.buffered < FLUSH_POINTS) return undefined;
    // The window being filled stays open: in a time-ordered upload the next points go there.
    return this.startWriteOut(this.takeOpen(windowStart(this.last, this.spanMs)));
  }

  /** The points of a window as this change currently has them (committed, or already rewritten). */
  async pointsOf(start: number): Promise<PointMap> {
    const latest = this.rewritten.has(start) ? this.rewritten.get(start) : this.baseByWindow.get(start);
    if (!latest) return new Map();
    const doc = await this.stores.buckets.collection.findOne<RecordBucket>({ _id: latest.id as never });
    if (!doc) throw new Error(`bucket ${latest.id} is missing`);
    return fromColumns(doc, this.dataset.fields);
  }

  /** Replaces a window's points wholesale (an empty map removes the window). */
  async replace(start: number, points: PointMap): Promise<void> {
    await this.register();
    if (points.size === 0) {
      await this.deleteIds(this.retire(start));
      this.rewritten.set(start, null);
      return;
    }
    const [summary] = await this.writeBuckets([[start, points]]);
    this.rewritten.set(start, summary);
  }

  /** Windows of the committed series that overlap [from, to). */
  baseWindows(from: number, to: number): BucketSummary[] {
    return (this.base?.buckets ?? []).filter((bucket) => bucket.start < to && bucket.start + this.spanMs > from);
  }

  /** Writes out everything buffered, and waits for all write-outs. */
  async flush(): Promise<void> {
    await this.startWriteOut(this.takeOpen());
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  /** Moves the buffered windows (all but `keep`) out of memory's open set. */
  private takeOpen(keep?: number): Map<number, PointMap> {
    const windows = new Map(this.open);
    this.open.clear();
    this.buffered = 0;
    const kept = keep === undefined ? undefined : windows.get(keep);
    if (kept && windows.size > 1) {
      windows.delete(keep as number);
      this.open.set(keep as number, kept);
      this.buffered = kept.size;
    }
    return windows;
  }

  /** Starts a write-out once fewer than WRITES_IN_FLIGHT run (memory: those plus one buffer filling). */
  private async startWriteOut(windows: Map<number, PointMap>): Promise<void> {
    while (this.inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(this.inFlight);
    this.throwIfFailed();
    if (windows.size === 0) return;
    const before = [...windows.keys()].map((start) => this.writingWindow.get(start)).filter((write) => write !== undefined);
    const write = Promise.all(before).then(() => this.writeOut(windows));
    this.inFlight.add(write);
    for (const start of windows.keys()) this.writingWindow.set(start, write);
    write
      .catch((error: unknown) => (this.failure ??= error))
      .finally(() => {
        this.inFlight.delete(write);
        for (const start of windows.keys()) if (this.writingWindow.get(start) === write) this.writingWindow.delete(start);
      });
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeOut(windows: Map<number, PointMap>): Promise<void> {
    await this.register();
    const merged: [number, PointMap][] = [];
    for (const start of [...windows.keys()].sort((a, b) => a - b)) {
      const points = await this.pointsOf(start);
      if (points.size === 0) merged.push([start, windows.get(start) as PointMap]);
      else {
        for (const [t, values] of windows.get(start) ?? []) points.set(t, values);
        merged.push([start, points]);
      }
    }
    const summaries = await this.writeBuckets(merged);
    summaries.forEach((summary) => this.rewritten.set(summary.start, summary));
  }

  /** The bucket list the change results in. */
  buckets(): BucketSummary[] {
    const windows = new Map(this.baseByWindow);
    for (const [start, summary] of this.rewritten) {
      if (summary) windows.set(start, summary);
      else windows.delete(start);
    }
    return [...windows.values()].sort((a, b) => a.start - b.start);
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
    await this.note({ oldIds: this.base ? [this.base._id] : [] });
    await this.stores.series.collection.insertOne(series as never);
    return series;
  }

  /** After the commit: removes what the change replaced, and its paperwork. */
  async cleanUpCommitted(): Promise<void> {
    await this.deleteIds(this.oldIds);
    await this.stores.uploads.deleteOne({ _id: this.uploadId }).exec();
  }

  /** The change failed: removes everything it wrote. */
  async discard(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    if (!this.registering) return;
    await this.registering.catch(() => undefined);
    await this.deleteIds([...this.newIds, this.seriesId]);
    await this.stores.uploads.deleteOne({ _id: this.uploadId }).exec();
  }

  private async writeBuckets(windows: [number, PointMap][]): Promise<BucketSummary[]> {
    const datasetId = this.dataset._id.toHexString();
    const docs: RecordBucket[] = [];
    const summaries: BucketSummary[] = [];
    const superseded: string[] = [];
    for (const [start, points] of windows) {
      if (points.size > MAX_POINTS_PER_BUCKET) {
        const span = new Date(start).toISOString();
        throw new BadRequestException(
          `more than ${MAX_POINTS_PER_BUCKET} points fall in one ${this.spanMs / 1000} s window (from ${span}): points are denser than the dataset's frequency allows`,
        );
      }
      const id = `${datasetId}:${start}:${this.uploadId}:${this.version++}`;
      const columns = toColumns(points, this.dataset.fields);
      docs.push({ _id: id, datasetId, start, ...columns });
      summaries.push(summarize(start, id, columns, this.dataset.fields));
      superseded.push(...this.retire(start));
    }
    // Paperwork first: a crash after the insert must not leave unlisted documents.
    await this.note({ newIds: docs.map((doc) => doc._id) });
    this.newIds.push(...docs.map((doc) => doc._id));
    if (docs.length > 0) await this.stores.buckets.collection.insertMany(docs as never[], { ordered: false });
    await this.deleteIds(superseded);
    return summaries;
  }

  /**
   * The window's current version is being superseded. A committed one is
   * deleted after the commit (readers may still use it); one this change
   * wrote itself is returned, to be deleted right away.
   */
  private retire(start: number): string[] {
    const own = this.rewritten.get(start);
    if (own) return [own.id];
    const committed = this.baseByWindow.get(start);
    if (committed && !this.oldIds.includes(committed.id)) this.oldIds.push(committed.id);
    return [];
  }

  private register(): Promise<void> {
    this.registering ??= this.stores.uploads.collection
      .insertOne({
        _id: this.uploadId,
        datasetId: this.dataset._id.toHexString(),
        seriesId: this.seriesId,
        newIds: [],
        oldIds: [],
        touchedAt: new Date(),
      } as never)
      .then(() => undefined);
    return this.registering;
  }

  private note(ids: { newIds?: string[]; oldIds?: string[] }): Promise<void> {
    const push: Record<string, { $each: string[] }> = {};
    if (ids.newIds?.length) push.newIds = { $each: ids.newIds };
    const update = async (): Promise<void> => {
      const oldIds = [...new Set([...this.oldIds, ...(ids.oldIds ?? [])])];
      await this.stores.uploads
        .updateOne({ _id: this.uploadId }, { ...(Object.keys(push).length > 0 ? { $push: push } : {}), $set: { oldIds, touchedAt: new Date() } })
        .exec();
    };
    this.noting = this.noting.then(update, update);
    return this.noting;
  }

  private async deleteIds(ids: string[]): Promise<void> {
    const buckets = ids.filter((id) => id.split(':').length > 2);
    const series = ids.filter((id) => id.split(':').length === 2);
    // One by one: FerretDB finds documents by a bare `_id` without scanning.
    for (const id of buckets) await this.stores.buckets.deleteOne({ _id: id }).exec();
    for (const id of series) await this.stores.series.deleteOne({ _id: id }).exec();
  }
}
