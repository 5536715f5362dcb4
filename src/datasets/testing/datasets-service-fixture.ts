import { wiredDatasetsService } from './wired-datasets-service';
import { Model, Types } from 'mongoose';
import { strictMock } from '../../common/testing/strict-mock';
import { datasetMarksModel, seqKeysModel } from './side-models';
import { creatingLists } from '../../ownership/testing/creating-lists';
import { EntityLocks } from '../../common/locks/entity-locks';
import { DatasetOwners } from '../../ownership/dataset-owners';
import { trackingOutbox } from '../../events/testing/tracking-outbox';
import { OwnerIndex } from '../../ownership/owner-index';
import { OwnedDatasets } from '../owned-datasets';
import { DatasetsRepository } from '../datasets.repository';
import { DatasetSequence } from '../dataset-sequence';
import { Dataset } from '../schemas/dataset.schema';
import { storedDataset } from './stored-dataset';

/** The owner of the fixture's datasets. */
export const ownerId = new Types.ObjectId();

export function dataset(overrides: Partial<Dataset> = {}): Dataset {
  return storedDataset(ownerId, overrides);
}

/** Builds DatasetsService with every dependency strict; tests pass only the model methods they expect. */
/** Entity locks that run the work at once, as if every lock were free. */
export function passThroughLocks(): EntityLocks {
  return strictMock<EntityLocks>('EntityLocks', {
    withLock: jest.fn(async (_key: string, _options: unknown, work: () => Promise<unknown>) => work()),
  });
}

export function buildDatasetsService(
  model: Record<string, unknown>,
  owners: Partial<Record<keyof DatasetOwners, unknown>> = {},
  indexMethods: Partial<Record<keyof OwnerIndex, unknown>> = {},
  sequence?: DatasetSequence,
  seqKeys = seqKeysModel(),
) {
  const locks = passThroughLocks();
  const outbox = trackingOutbox();
  const ownerIndex = strictMock<OwnerIndex>('OwnerIndex', {
    add: jest.fn(async () => undefined),
    remove: jest.fn(async () => undefined),
    demote: jest.fn(async () => undefined),
    confirm: jest.fn(async () => undefined),
    creating: creatingLists(),
    candidatesHeld: jest.fn(async () => []),
    entries: jest.fn(async () => new Map()),
    ...indexMethods,
  });
  const repository = new DatasetsRepository(strictMock<Model<Dataset>>('Dataset model', model), seqKeys, datasetMarksModel());
  // These tests state the owner check as assertAvailable; the registration asks for availability.
  const assertAvailable = owners.assertAvailable as ((id: Types.ObjectId) => Promise<void>) | undefined;
  const availability = jest.fn(async ([id]: Types.ObjectId[]) => {
    const available = await (assertAvailable as (id: Types.ObjectId) => Promise<void>)(id).then(
      () => true,
      () => false,
    );
    return new Map([[id.toHexString(), available ? 'available' : 'missing']]);
  });
  const datasetOwners = strictMock<DatasetOwners>('DatasetOwners', assertAvailable ? { availability, ...owners } : owners);
  const { service, cleanup, registration } = wiredDatasetsService({ repository, locks, outbox, ownerIndex, datasetOwners, sequence });
  return { service, registration, owned: new OwnedDatasets(repository, ownerIndex, service), locks, outbox, ownerIndex, cleanup };
}
