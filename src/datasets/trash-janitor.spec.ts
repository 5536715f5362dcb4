import { Types } from 'mongoose';
import { strictMock } from '../common/testing/strict-mock';
import { DatasetTrashService } from './dataset-trash.service';
import { DatasetsRepository } from './datasets.repository';
import { TrashJanitor } from './trash-janitor';

function build(expired: Types.ObjectId[], purgeExpired: jest.Mock) {
  const cutoff = new Date('2026-11-01T00:00:00Z');
  const repository = strictMock<DatasetsRepository>('DatasetsRepository', { markedBefore: jest.fn(async () => expired) });
  const trash = strictMock<DatasetTrashService>('DatasetTrashService', { cutoffAt: jest.fn(() => cutoff), purgeExpired });
  return { janitor: new TrashJanitor(repository, trash), repository, trash, cutoff };
}

describe(TrashJanitor.name, () => {
  it('purges each dataset trashed before the cutoff of `now`, counting those it purged', async () => {
    const [a, b] = [new Types.ObjectId(), new Types.ObjectId()];
    // b was restored (or purged) meanwhile: purgeExpired re-checks under the lock and declines.
    const purgeExpired = jest.fn(async (id: Types.ObjectId) => id.equals(a));
    const { janitor, repository, trash, cutoff } = build([a, b], purgeExpired);
    const now = new Date('2026-12-01T00:00:00Z');

    expect(await janitor.sweep(now)).toBe(1);
    expect(trash.cutoffAt).toHaveBeenCalledWith(now);
    expect(repository.markedBefore).toHaveBeenCalledWith('trash', cutoff);
    expect(purgeExpired.mock.calls).toEqual([
      [a, cutoff],
      [b, cutoff],
    ]);
  });

  it('goes on past a dataset it cannot purge now (a busy lock), leaving it for the next sweep', async () => {
    const [busy, due] = [new Types.ObjectId(), new Types.ObjectId()];
    const purgeExpired = jest.fn(async (id: Types.ObjectId) => {
      if (id.equals(busy)) throw new Error('locked');
      return true;
    });
    const { janitor } = build([busy, due], purgeExpired);
    expect(await janitor.sweep(new Date())).toBe(1);
    expect(purgeExpired).toHaveBeenCalledTimes(2);
  });

  it('does nothing when nothing is due', async () => {
    const purgeExpired = jest.fn();
    const { janitor } = build([], purgeExpired);
    expect(await janitor.sweep(new Date())).toBe(0);
    expect(purgeExpired).not.toHaveBeenCalled();
  });
});
