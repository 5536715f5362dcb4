import { Types } from 'mongoose';
import { strictMock } from '../common/testing/strict-mock';
import { OwnerIndex } from '../ownership/owner-index';
import { DatasetsRepository } from './datasets.repository';
import { DatasetsService } from './datasets.service';
import { ABANDONED_AFTER_MS, OwnershipJanitor } from './ownership-janitor';

function build(settled: boolean, marked: Types.ObjectId[] = []) {
  const repository = strictMock<DatasetsRepository>('DatasetsRepository', {
    olderVersionsSettled: jest.fn(async () => settled),
    settleOlderVersions: jest.fn(async () => ({ pendingRemoved: 2, settled: true })),
    markedBefore: jest.fn(async () => marked),
  });
  const service = strictMock<DatasetsService>('DatasetsService', { releaseAbandonedTransfer: jest.fn(async () => true) });
  return { janitor: new OwnershipJanitor(repository, service, strictMock<OwnerIndex>('OwnerIndex', {})), repository, service };
}

describe(OwnershipJanitor.name, () => {
  const now = new Date('2026-12-05T12:00:00Z');
  const cutoff = new Date(now.getTime() - ABANDONED_AFTER_MS);

  it('scans for what older versions left only until that is settled, then reads the transfer notes alone', async () => {
    const older = build(false);
    expect(await older.janitor.sweep(now)).toEqual({ pendingRemoved: 2, transfersReleased: 0 });
    expect(older.repository.settleOlderVersions).toHaveBeenCalledWith(cutoff);

    const settled = build(true);
    expect(await settled.janitor.sweep(now)).toEqual({ pendingRemoved: 0, transfersReleased: 0 });
    expect(settled.repository.settleOlderVersions).not.toHaveBeenCalled();
    expect(settled.repository.markedBefore).toHaveBeenCalledWith('transfer', cutoff);
  });

  it('releases each transfer noted before the cutoff, under its lock (the service re-checks the mark)', async () => {
    const [a, b] = [new Types.ObjectId(), new Types.ObjectId()];
    const { janitor, service } = build(true, [a, b]);
    expect(await janitor.sweep(now)).toEqual({ pendingRemoved: 0, transfersReleased: 2 });
    expect(service.releaseAbandonedTransfer).toHaveBeenCalledWith(a, cutoff);
    expect(service.releaseAbandonedTransfer).toHaveBeenCalledWith(b, cutoff);
  });
});
