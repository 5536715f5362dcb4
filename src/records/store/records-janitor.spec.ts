import { Types } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { DatasetsService } from '../../datasets/datasets.service';
import { RecordsJanitor } from './records-janitor';
import { RecordsRepository } from './records.repository';
import { RecordUpload } from '../schemas/record-upload.schema';
import { VersionsRepository } from './versions.repository';

const datasetId = new Types.ObjectId();
const upload = (overrides: Partial<RecordUpload> = {}): RecordUpload => ({
  _id: 'upload-1',
  datasetId: datasetId.toHexString(),
  seriesId: 's:2',
  newIds: ['b:2:0:0'],
  oldIds: ['b:1:0:0', 's:1'],
  touchedAt: new Date(0),
  ...overrides,
});

function build(uploads: RecordUpload[], currentSeries: string | undefined, held: string[] = []) {
  const deleted: string[][] = [];
  const repository = strictMock<RecordsRepository>('RecordsRepository', {
    findUploadsUntouchedSince: jest.fn(async () => uploads),
    deleteDocuments: jest.fn(async (ids: readonly string[]) => void deleted.push([...ids])),
    deleteUpload: jest.fn(async () => undefined),
  });
  const datasets = strictMock<DatasetsService>('DatasetsService', { recordSeriesIdOf: jest.fn(async () => currentSeries) });
  const versions = strictMock<VersionsRepository>('VersionsRepository', { heldBucketIds: jest.fn(async () => new Set(held)) });
  return { janitor: new RecordsJanitor(repository, datasets, versions), repository, datasets, deleted };
}

describe(RecordsJanitor.name, () => {
  it('after a dead write that committed, deletes the documents it replaced', async () => {
    const { janitor, datasets, repository, deleted } = build([upload()], 's:2');
    await expect(janitor.sweep(new Date(60 * 60_000))).resolves.toBe(1);
    expect(datasets.recordSeriesIdOf).toHaveBeenCalledWith(datasetId);
    expect(deleted).toEqual([['b:1:0:0', 's:1']]);
    expect(repository.deleteUpload).toHaveBeenCalledWith('upload-1');
  });

  it('after a dead write that committed, keeps the replaced buckets a version holds', async () => {
    const { janitor, deleted } = build([upload({ oldIds: ['b:1:0:0', 'b:1:1:0', 's:1'] })], 's:2', ['b:1:1:0']);
    await janitor.sweep(new Date(60 * 60_000));
    expect(deleted).toEqual([['b:1:0:0', 's:1']]);
  });

  it('after a dead write that did not commit (or whose dataset is gone), deletes what it wrote', async () => {
    for (const current of ['s:1', undefined]) {
      const { janitor, deleted } = build([upload()], current);
      await janitor.sweep(new Date(60 * 60_000));
      expect(deleted).toEqual([['b:2:0:0', 's:2']]);
    }
  });

  it('after a dead write that did not commit, deletes every bucket id it noted ahead, written or not', async () => {
    const { janitor, deleted } = build([upload({ newIds: [], bucketIdsNoted: 3 })], 's:1');
    await janitor.sweep(new Date(60 * 60_000));
    const id = datasetId.toHexString();
    expect(deleted).toEqual([[`${id}:upload-1:0`, `${id}:upload-1:1`, `${id}:upload-1:2`, 's:2']]);
  });

  it('looks only at writes untouched for ten minutes', async () => {
    const { janitor, repository } = build([], undefined);
    await expect(janitor.sweep(new Date(60 * 60_000))).resolves.toBe(0);
    expect(repository.findUploadsUntouchedSince).toHaveBeenCalledWith(new Date(50 * 60_000));
  });
});
