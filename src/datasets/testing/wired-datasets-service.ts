import { EntityLocks } from '../../common/locks/entity-locks';
import { strictMock } from '../../common/testing/strict-mock';
import { AppConfig } from '../../config/app-config';
import { Outbox } from '../../events/outbox/outbox';
import { DatasetOwners } from '../../ownership/dataset-owners';
import { OwnerIndex } from '../../ownership/owner-index';
import { DatasetPurge } from '../dataset-purge';
import { DatasetPurgeCleanup } from '../dataset-purge-cleanup';
import { DatasetRegistration } from '../dataset-registration';
import { DatasetSequence } from '../dataset-sequence';
import { DatasetTrashService } from '../dataset-trash.service';
import { DatasetsRepository } from '../datasets.repository';
import { DatasetsService } from '../datasets.service';
import { OwnerFirstPage } from '../owner-first-page';

/** What a unit spec of DatasetsService stands in for: the store, the locks, the outbox, the owner side. */
export interface DatasetsServiceDoubles {
  repository: DatasetsRepository;
  locks: EntityLocks;
  outbox: Outbox;
  ownerIndex: OwnerIndex;
  datasetOwners: DatasetOwners;
  /** Numbers reserved from 7 unless given. */
  sequence?: DatasetSequence;
}

/**
 * A DatasetsService with its purge, trash and registration wired over `doubles` as DatasetsModule wires
 * them; numbers are reserved from 7 and a purge's records cleanup does nothing (`cleanup` to check it ran).
 */
export function wiredDatasetsService({ repository, locks, outbox, ownerIndex, datasetOwners, sequence: given }: DatasetsServiceDoubles) {
  const cleanup = strictMock<DatasetPurgeCleanup>('DatasetPurgeCleanup', { dropAll: jest.fn(async () => undefined) });
  const purge = new DatasetPurge(repository, outbox, ownerIndex, cleanup);
  const trash = new DatasetTrashService(repository, locks, outbox, purge, { trash: { retentionDays: 30 } } as AppConfig, ownerIndex);
  const sequence = given ?? strictMock<DatasetSequence>('DatasetSequence', { reserve: jest.fn(async () => 7) });
  const registration = new DatasetRegistration(repository, datasetOwners, sequence, ownerIndex, outbox, trash);
  const firstPage = new OwnerFirstPage(repository, ownerIndex);
  const service = new DatasetsService(repository, datasetOwners, locks, outbox, ownerIndex, purge, trash, firstPage, registration);
  return { service, trash, cleanup, registration };
}
