import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { RecordBucket } from '../schemas/record-bucket.schema';
import { RecordSeries } from '../schemas/record-series.schema';
import { RecordUpload } from '../schemas/record-upload.schema';

/** What SeriesWrite and the reads need of the store (the spec fakes it in memory). */
export interface RecordsStore {
  findSeries(id: string): Promise<RecordSeries | null>;
  findBucket(id: string): Promise<RecordBucket | null>;
  /** A bucket as its BSON bytes, for readers that decode it only when they get to it. */
  findBucketBytes(id: string): Promise<Uint8Array | null>;
  insertBuckets(docs: RecordBucket[]): Promise<void>;
  insertSeries(series: RecordSeries): Promise<void>;
  deleteDocuments(ids: readonly string[]): Promise<void>;
  registerUpload(upload: RecordUpload): Promise<void>;
  noteUpload(id: string, newIds: readonly string[], oldIds: string[]): Promise<void>;
  deleteUpload(id: string): Promise<void>;
}

/**
 * The only code touching the records collections (series, buckets, uploads).
 * Reads and inserts go to the driver collection: the documents are plain
 * data with string ids, so Mongoose's casting and hydration buy nothing and
 * cost time on large buckets.
 */
@Injectable()
export class RecordsRepository implements RecordsStore {
  constructor(
    @InjectModel(RecordBucket.name) private readonly buckets: Model<RecordBucket>,
    @InjectModel(RecordSeries.name) private readonly series: Model<RecordSeries>,
    @InjectModel(RecordUpload.name) private readonly uploads: Model<RecordUpload>,
  ) {}

  findSeries(id: string): Promise<RecordSeries | null> {
    // `as never`: the driver's filter type expects an ObjectId `_id`; ours are strings.
    return this.series.collection.findOne<RecordSeries>({ _id: id as never });
  }

  findBucket(id: string): Promise<RecordBucket | null> {
    return this.buckets.collection.findOne<RecordBucket>({ _id: id as never });
  }

  /**
   * A bucket as its BSON bytes, decoded by the reader when it gets to it (readBuckets): buckets read
   * ahead then wait as one buffer outside the JS heap, not as thousands of values the GC must copy and promote.
   */
  async findBucketBytes(id: string): Promise<Uint8Array | null> {
    return (await this.buckets.collection.findOne({ _id: id as never }, { raw: true })) as Uint8Array | null;
  }

  async insertBuckets(docs: RecordBucket[]): Promise<void> {
    if (docs.length === 0) return;
    // Unordered: the documents are independent, and a failed write is discarded whole anyway.
    await this.buckets.collection.insertMany(docs as never[], { ordered: false });
  }

  async insertSeries(series: RecordSeries): Promise<void> {
    await this.series.collection.insertOne(series as never);
  }

  /** Deletes buckets and series by id (a bucket id has more than two `:`-parts, a series id two). */
  async deleteDocuments(ids: readonly string[]): Promise<void> {
    const buckets = ids.filter((id) => id.split(':').length > 2);
    const series = ids.filter((id) => id.split(':').length === 2);
    // One by one: FerretDB finds documents by a bare `_id` without scanning.
    for (const id of buckets) await this.buckets.deleteOne({ _id: id }).exec();
    for (const id of series) await this.series.deleteOne({ _id: id }).exec();
  }

  async registerUpload(upload: RecordUpload): Promise<void> {
    await this.uploads.collection.insertOne(upload as never);
  }

  /** Appends to the upload's `newIds`, sets its `oldIds`, and marks it alive. */
  async noteUpload(id: string, newIds: readonly string[], oldIds: string[]): Promise<void> {
    const push = newIds.length > 0 ? { $push: { newIds: { $each: [...newIds] } } } : {};
    await this.uploads.updateOne({ _id: id }, { ...push, $set: { oldIds, touchedAt: new Date() } }).exec();
  }

  async deleteUpload(id: string): Promise<void> {
    await this.uploads.deleteOne({ _id: id }).exec();
  }

  /** Uploads not touched since `before`: their process died. */
  findUploadsUntouchedSince(before: Date): Promise<RecordUpload[]> {
    return this.uploads
      .find({ touchedAt: { $lt: before } })
      .lean<RecordUpload[]>()
      .exec();
  }
}
