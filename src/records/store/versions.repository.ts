import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { findPage, PageRequest } from '../../common/pagination/cursor';
import { insertUnique } from '../../common/mongo/unique-inserts';
import { DatasetTag, DatasetVersion } from '../schemas/dataset-version.schema';

/** The only code touching the versions and tags collections. */
@Injectable()
export class VersionsRepository {
  constructor(
    @InjectModel(DatasetVersion.name) private readonly versions: Model<DatasetVersion>,
    @InjectModel(DatasetTag.name) private readonly tags: Model<DatasetTag>,
  ) {}

  /** False if the number is taken (a concurrent seal got it first). */
  insertVersion(version: DatasetVersion): Promise<boolean> {
    return insertUnique(this.versions, version);
  }

  findVersion(datasetId: string, number: number): Promise<DatasetVersion | null> {
    return this.versions.collection.findOne<DatasetVersion>({ _id: versionId(datasetId, number) as never });
  }

  /** The digests of some of the dataset's versions, by number (one query). */
  async digestsOf(datasetId: string, numbers: readonly number[]): Promise<Map<number, string>> {
    const versions = await this.versions
      .find({ datasetId, number: { $in: [...numbers] } }, { number: 1, digest: 1 })
      .lean<Pick<DatasetVersion, 'number' | 'digest'>[]>()
      .exec();
    return new Map(versions.map((version) => [version.number, version.digest]));
  }

  /** The highest version number of the dataset (0 when it has none). */
  async lastNumber(datasetId: string): Promise<number> {
    const [last] = await this.versions.find({ datasetId }, { number: 1 }).sort({ number: -1 }).limit(1).lean().exec();
    return last?.number ?? 0;
  }

  /** A page of the dataset's versions by number, without their bucket lists. */
  pageOfVersions(datasetId: string, page: PageRequest): Promise<{ rows: DatasetVersion[]; nextCursor: string | null }> {
    return findPage(this.versions, [{ datasetId }], 'number', page, { buckets: 0 });
  }

  /** The ids of every bucket some version of the dataset holds. */
  async heldBucketIds(datasetId: string, exceptNumber?: number): Promise<Set<string>> {
    const held = new Set<string>();
    const cursor = this.versions.collection.find<Pick<DatasetVersion, 'number' | 'buckets'>>(
      { datasetId },
      { projection: { number: 1, 'buckets.id': 1 } },
    );
    for await (const version of cursor) {
      if (version.number === exceptNumber) continue;
      for (const bucket of version.buckets) held.add(bucket.id);
    }
    return held;
  }

  async deleteVersion(datasetId: string, number: number): Promise<void> {
    await this.versions.deleteOne({ _id: versionId(datasetId, number) }).exec();
  }

  /** Every version of the dataset, bucket lists included (to purge a dataset). */
  allVersions(datasetId: string): Promise<DatasetVersion[]> {
    return this.versions.collection.find<DatasetVersion>({ datasetId }).toArray();
  }

  insertTag(tag: DatasetTag): Promise<boolean> {
    return insertUnique(this.tags, tag);
  }

  findTag(datasetId: string, name: string): Promise<DatasetTag | null> {
    return this.tags.collection.findOne<DatasetTag>({ _id: tagId(datasetId, name) as never });
  }

  /** Points an existing tag at another version. */
  async repointTag(datasetId: string, name: string, version: number, by: string, at: Date): Promise<void> {
    await this.tags.updateOne({ _id: tagId(datasetId, name) }, { $set: { version, createdBy: by, createdAt: at } }).exec();
  }

  tagsOf(datasetId: string): Promise<DatasetTag[]> {
    return this.tags.find({ datasetId }).sort({ name: 1 }).lean<DatasetTag[]>().exec();
  }

  async deleteTag(datasetId: string, name: string): Promise<boolean> {
    const result = await this.tags.deleteOne({ _id: tagId(datasetId, name) }).exec();
    return result.deletedCount > 0;
  }

  /** Removes every version and tag of a purged dataset (their buckets go first, see DatasetRecordsCleanup). */
  async deleteAllOf(datasetId: string): Promise<void> {
    await this.tags.deleteMany({ datasetId }).exec();
    await this.versions.deleteMany({ datasetId }).exec();
  }
}

export function versionId(datasetId: string, number: number): string {
  return `${datasetId}:v${number}`;
}

export function tagId(datasetId: string, name: string): string {
  return `${datasetId}:${name}`;
}
