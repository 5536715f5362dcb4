import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { BSON } from 'mongodb';
import { Model } from 'mongoose';
import { assertLeasesHeld } from '../../common/locks/lease-guard';
import { chunks } from '../../common/mongo/bulk-chunks';
import { IDS_PER_QUERY, removeByIds } from '../../common/mongo/find-by-ids';
import { RecordBucket } from '../schemas/record-bucket.schema';
import { RecordSeries } from '../schemas/record-series.schema';
import { RecordUpload } from '../schemas/record-upload.schema';

/** An upload's paperwork as it stands: the bucket ids it noted (RecordUpload.bucketIdsNoted) and what it replaces. */
export interface UploadNote {
  bucketIdsNoted: number;
  oldIds: readonly string[];
}

/** What SeriesWrite and the reads need of the store (the spec fakes it in memory). */
export interface RecordsStore {
  findSeries(id: string): Promise<RecordSeries | null>;
  /** The buckets of these ids that exist, in no particular order. */
  findBuckets(ids: readonly string[]): Promise<RecordBucket[]>;
  /** Buckets as their BSON bytes by id (those that exist), for readers that decode each only when they get to it. */
  findBucketsBytes(ids: readonly string[]): Promise<Map<string, Uint8Array>>;
  insertBuckets(docs: RecordBucket[]): Promise<void>;
  insertSeries(series: RecordSeries): Promise<void>;
  deleteDocuments(ids: readonly string[]): Promise<void>;
  registerUpload(upload: RecordUpload): Promise<void>;
  noteUpload(id: string, note: UploadNote): Promise<void>;
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

  async findBuckets(ids: readonly string[]): Promise<RecordBucket[]> {
    const found: RecordBucket[] = [];
    for (const chunk of chunks(ids, IDS_PER_QUERY))
      found.push(...(await this.buckets.collection.find<RecordBucket>({ _id: { $in: chunk } as never }).toArray()));
    return found;
  }

  /**
   * Buckets as BSON bytes, decoded by the reader when it gets to each (readBuckets): buckets read ahead then
   * wait as buffers outside the JS heap, not as thousands of values the GC must copy and promote. One `$in` query
   * (by the `_id` index, on MongoDB and the local stack's FerretDB) per IDS_PER_QUERY ids, answered in one batch
   * (the limit, as many as the ids, closes the cursor: without it FerretDB kept it open for a getMore to find nothing).
   */
  async findBucketsBytes(ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    for (const chunk of chunks(ids, IDS_PER_QUERY)) {
      const cursor = this.buckets.collection.find(
        { _id: { $in: chunk } as never },
        { raw: true, limit: chunk.length, batchSize: chunk.length },
      );
      for (const bytes of (await cursor.toArray()) as unknown as Uint8Array[]) found.set(rawStringId(bytes), bytes);
    }
    return found;
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
    await removeByIds(
      this.buckets,
      ids.filter((id) => id.split(':').length > 2),
    );
    await removeByIds(
      this.series,
      ids.filter((id) => id.split(':').length === 2),
    );
  }

  async registerUpload(upload: RecordUpload): Promise<void> {
    await this.uploads.collection.insertOne(upload as never);
  }

  /** Sets the upload's noted bucket ids and `oldIds`, and marks it alive. */
  async noteUpload(id: string, { bucketIdsNoted, oldIds }: UploadNote): Promise<void> {
    // The driver's: Mongoose's casting of every listed id was a tenth of the ingest's CPU. The lease
    // check is the one the lease guard makes for Mongoose's writes.
    assertLeasesHeld();
    await this.uploads.collection.updateOne({ _id: id as never }, { $set: { bucketIdsNoted, oldIds, touchedAt: new Date() } });
  }

  async deleteUpload(id: string): Promise<void> {
    assertLeasesHeld();
    await this.uploads.collection.deleteOne({ _id: id as never });
  }

  /** Uploads not touched since `before`: their process died. */
  findUploadsUntouchedSince(before: Date): Promise<RecordUpload[]> {
    return this.uploads
      .find({ touchedAt: { $lt: before } })
      .lean<RecordUpload[]>()
      .exec();
  }
}

/**
 * The string `_id` of a BSON document, read from its first element where both MongoDB and FerretDB keep it,
 * without decoding the rest (a bucket's thousands of values); anywhere else, by decoding the whole.
 */
export function rawStringId(bytes: Uint8Array): string {
  const STRING = 0x02;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // int32 document size, then the element: type byte, "_id\0", int32 length (with its NUL), the UTF-8 text.
  if (bytes[4] === STRING && bytes[5] === 0x5f && bytes[6] === 0x69 && bytes[7] === 0x64 && bytes[8] === 0) {
    const length = view.getInt32(9, true);
    return Buffer.from(bytes.buffer, bytes.byteOffset + 13, length - 1).toString('utf8');
  }
  return String((BSON.deserialize(bytes) as { _id: unknown })._id);
}
