import { BSON } from 'mongodb';
import type { Model } from 'mongoose';
import { LeaseLostError } from '../../common/errors/domain-errors';
import { runUnderLease } from '../../common/locks/lease-guard';
import { strictMock } from '../../common/testing/strict-mock';
import { RecordBucket } from '../schemas/record-bucket.schema';
import { RecordSeries } from '../schemas/record-series.schema';
import { RecordUpload } from '../schemas/record-upload.schema';
import { rawStringId, RecordsRepository } from './records.repository';

const bucket = (id: string): RecordBucket => ({ _id: id, datasetId: 'd', start: 0, t: [1, 2], v: { kw: [1.5, null] } });

/** The repository over strict models: buckets answer `find` with `found` (raw bytes); both collections take deleteMany. */
function repositoryOf(found: Uint8Array[]) {
  const find = jest.fn((..._args: unknown[]) => ({ toArray: () => Promise.resolve(found) }));
  const deleteBuckets = jest.fn((..._args: unknown[]) => ({ exec: () => Promise.resolve() }));
  const deleteSeries = jest.fn((..._args: unknown[]) => ({ exec: () => Promise.resolve() }));
  const buckets = strictMock<Model<RecordBucket>>('buckets', { collection: { find }, deleteMany: deleteBuckets });
  const series = strictMock<Model<RecordSeries>>('series', { deleteMany: deleteSeries });
  const repository = new RecordsRepository(buckets, series, strictMock<Model<RecordUpload>>('uploads', {}));
  return { repository, find, deleteBuckets, deleteSeries };
}

describe(RecordsRepository.name, () => {
  it('reads buckets as bytes by `$in` in one query, keyed by id', async () => {
    const bytes = ['d:2:u:0', 'd:1:u:0'].map((id) => BSON.serialize(bucket(id)));
    const { repository, find } = repositoryOf(bytes);
    const found = await repository.findBucketsBytes(['d:1:u:0', 'd:2:u:0', 'd:3:u:0']);
    expect(find).toHaveBeenCalledTimes(1);
    expect(find).toHaveBeenCalledWith({ _id: { $in: ['d:1:u:0', 'd:2:u:0', 'd:3:u:0'] } }, { raw: true, limit: 3, batchSize: 3 });
    expect([...found.keys()].sort()).toEqual(['d:1:u:0', 'd:2:u:0']);
    expect(found.get('d:1:u:0')).toBe(bytes[1]);
  });

  it('deletes buckets and series with one deleteMany each', async () => {
    const { repository, deleteBuckets, deleteSeries } = repositoryOf([]);
    await repository.deleteDocuments(['d:1:u:0', 'd:u', 'd:2:u:1']);
    expect(deleteBuckets.mock.calls).toEqual([[{ _id: { $in: ['d:1:u:0', 'd:2:u:1'] } }]]);
    expect(deleteSeries.mock.calls).toEqual([[{ _id: { $in: ['d:u'] } }]]);
  });
});

describe(`${RecordsRepository.name}: upload paperwork`, () => {
  it('sets the noted bucket ids, the old ones and the time in one update, and deletes the upload by id', async () => {
    const updateOne = jest.fn((..._args: unknown[]) => Promise.resolve());
    const deleteOne = jest.fn((..._args: unknown[]) => Promise.resolve());
    const uploads = strictMock<Model<RecordUpload>>('uploads', { collection: { updateOne, deleteOne } });
    const repository = new RecordsRepository(strictMock('buckets', {}), strictMock('series', {}), uploads);
    await repository.noteUpload('u1', { bucketIdsNoted: 164, oldIds: ['d:old'] });
    await repository.noteUpload('u1', { bucketIdsNoted: 164, oldIds: [] });
    await repository.deleteUpload('u1');
    expect(updateOne.mock.calls).toEqual([
      [{ _id: 'u1' }, { $set: { bucketIdsNoted: 164, oldIds: ['d:old'], touchedAt: expect.any(Date) as Date } }],
      [{ _id: 'u1' }, { $set: { bucketIdsNoted: 164, oldIds: [], touchedAt: expect.any(Date) as Date } }],
    ]);
    expect(deleteOne.mock.calls).toEqual([[{ _id: 'u1' }]]);
  });

  it('writes none of it under a lock that was lost, as the lease guard stops Mongoose writes', async () => {
    const uploads = strictMock<Model<RecordUpload>>('uploads', { collection: {} });
    const repository = new RecordsRepository(strictMock('buckets', {}), strictMock('series', {}), uploads);
    const lease = { key: 'records:d', expiresAt: new Date(Date.now() + 60_000), lost: true };
    await runUnderLease(lease, async () => {
      await expect(repository.noteUpload('u1', { bucketIdsNoted: 64, oldIds: [] })).rejects.toThrow(LeaseLostError);
      await expect(repository.deleteUpload('u1')).rejects.toThrow(LeaseLostError);
    });
  });
});

describe(rawStringId.name, () => {
  it('reads a string `_id` stored first without decoding the rest, and any other `_id` by decoding', () => {
    expect(rawStringId(BSON.serialize(bucket('64a:1700000000000:ü€:3')))).toBe('64a:1700000000000:ü€:3');
    expect(rawStringId(BSON.serialize({ start: 1, _id: 'late' }))).toBe('late');
    // A document inside a larger buffer, as the driver may hand one out.
    const inside = Buffer.concat([Buffer.from([9, 9, 9]), BSON.serialize(bucket('x:1:u:0'))]).subarray(3);
    expect(rawStringId(inside)).toBe('x:1:u:0');
  });
});
