import { wiredDatasetsService } from './testing/wired-datasets-service';
import { Model, Types } from 'mongoose';
import { adminPrincipal, principalOf } from '../access/testing/principals';
import { UnprocessableError } from '../common/errors/domain-errors';
import { driverFindById, queryResult } from '../common/testing/mongoose-mocks';
import { strictMock } from '../common/testing/strict-mock';
import { trackingOutbox } from '../events/testing/tracking-outbox';
import { DatasetOwners } from '../ownership/dataset-owners';
import { OwnerIndex } from '../ownership/owner-index';
import { DatasetsRepository } from './datasets.repository';
import { Dataset } from './schemas/dataset.schema';
import { datasetMarksModel, seqKeysModel } from './testing/side-models';
import { creatingLists } from '../ownership/testing/creating-lists';
import { storedDataset } from './testing/stored-dataset';
import { passThroughLocks } from './testing/datasets-service-fixture';

const ownerId = new Types.ObjectId();
const to = new Types.ObjectId();
const who = (id: Types.ObjectId): string => (id.equals(ownerId) ? 'owner' : id.equals(to) ? 'to' : id.toHexString());

/** What a dataset write does, as a step: the state or owner it sets, or the transfer mark. */
function describeWrite(update: {
  $set?: { state?: string; ownerId?: Types.ObjectId; transferTo?: unknown };
  $unset?: Record<string, unknown>;
}): string {
  if (update.$set?.state) return `write ${update.$set.state}`;
  if (update.$set?.ownerId) return `write owner ${who(update.$set.ownerId)}`;
  if (update.$set?.transferTo) return 'write transfer mark';
  if (update.$unset?.transferTo) return 'clear transfer mark';
  return 'write';
}

/**
 * The dataset services over one stored dataset with every dependency strict, logging as steps the
 * dataset's writes and the owner index's calls, in the order they happen.
 */
function build(
  stored: Dataset,
  owners: Partial<Record<keyof DatasetOwners, unknown>> | ((steps: string[]) => Partial<Record<keyof DatasetOwners, unknown>>) = {},
) {
  const steps: string[] = [];
  const model = strictMock<Model<Dataset>>('Dataset model', {
    findOne: jest.fn(() => queryResult(null)),
    updateOne: jest.fn((_filter: unknown, update: Parameters<typeof describeWrite>[0]) => {
      steps.push(describeWrite(update));
      return queryResult({ matchedCount: 1, modifiedCount: 1 });
    }),
    deleteOne: jest.fn(() => {
      steps.push('remove pending');
      return queryResult({ deletedCount: 1 });
    }),
    collection: {
      insertOne: jest.fn(async (doc: Dataset) => void steps.push(`insert ${doc.state}`)),
      findOne: driverFindById(() => stored),
    },
  });
  const repository = new DatasetsRepository(model, seqKeysModel(), datasetMarksModel());
  const locks = passThroughLocks();
  const log =
    (what: string) =>
    async (owner: Types.ObjectId): Promise<void> =>
      void steps.push(`${what} ${who(owner)}`);
  const ownerIndex = strictMock<OwnerIndex>('OwnerIndex', {
    add: jest.fn(
      async (owner: Types.ObjectId, _datasets: unknown, created?: boolean) =>
        void steps.push(`${created ? 'list new' : 'list'} ${who(owner)}`),
    ),
    remove: jest.fn(log('unlist')),
    demote: jest.fn(log('demote')),
    confirm: jest.fn(log('confirm')),
    creating: creatingLists((step, owners) => void steps.push(`${step} ${owners.map(who).join()}`)),
  });
  const outbox = trackingOutbox();
  const datasetOwners = strictMock<DatasetOwners>('DatasetOwners', typeof owners === 'function' ? owners(steps) : owners);
  const { service, trash } = wiredDatasetsService({ repository, locks, outbox, ownerIndex, datasetOwners });
  return { service, trash, steps };
}

const available = (ids: Types.ObjectId[]): Map<string, string> => new Map(ids.map((id) => [id.toHexString(), 'available']));

/** The rules of docs/architecture.md#the-owner-index: confirmed only after the write that makes it true, demoted before any that ends it. */
describe('Owner index entries on the write paths', () => {
  it("create: holding the owner's list, the owner checked, listed as new before the insert (active), confirmed after it", async () => {
    const { service, steps } = build(storedDataset(ownerId), (steps) => ({
      availability: jest.fn(async (ids: Types.ObjectId[]) => (steps.push('check owner'), available(ids))),
    }));
    await service.create({ name: 'Power' }, principalOf(ownerId));
    // Checked before its number is reserved (an owner refused there takes none), then again holding its list.
    expect(steps).toEqual([
      'check owner',
      'hold owner',
      'check owner',
      'list new owner',
      'insert active',
      'confirm new owner',
      'release owner',
    ]);
  });

  it('create: an owner gone by the check under its list gets nothing listed or inserted', async () => {
    // Available when first checked (before the number), gone by the check holding its list.
    const availability = jest
      .fn(async (ids: Types.ObjectId[]) => new Map(ids.map((id) => [id.toHexString(), 'missing'])))
      .mockImplementationOnce(async (ids: Types.ObjectId[]) => new Map(ids.map((id) => [id.toHexString(), 'available'])));
    const { service, steps } = build(storedDataset(ownerId), { availability });
    await expect(service.create({ name: 'Power' }, principalOf(ownerId))).rejects.toBeInstanceOf(UnprocessableError);
    expect(steps).toEqual(['hold owner', 'release owner']);
  });

  it('create: an owner refused by the first check, before any number is reserved, holds no list', async () => {
    const availability = jest.fn(async (ids: Types.ObjectId[]) => new Map(ids.map((id) => [id.toHexString(), 'missing'])));
    const { service, steps } = build(storedDataset(ownerId), { availability });
    await expect(service.create({ name: 'Power' }, principalOf(ownerId))).rejects.toBeInstanceOf(UnprocessableError);
    expect(steps).toEqual([]);
  });

  it('trash: demoted before the dataset goes to the trash; restore: confirmed after it is back', async () => {
    const stored = storedDataset(ownerId);
    const { trash, steps } = build(stored);
    await trash.remove({ id: stored._id }, false, principalOf(ownerId));
    expect(steps).toEqual(['demote owner', 'write trashed']);

    const trashed = build(storedDataset(ownerId, { _id: stored._id, state: 'trashed', trashedAt: new Date() }));
    await trashed.trash.restore({ id: stored._id }, principalOf(ownerId));
    expect(trashed.steps).toEqual(['write active', 'confirm owner']);
  });

  it('purge: demoted before the tombstone, unlisted after it', async () => {
    const stored = storedDataset(ownerId);
    const { trash, steps } = build(stored);
    await trash.remove({ id: stored._id }, true, principalOf(ownerId));
    expect(steps).toEqual(['demote owner', 'write deleted', 'unlist owner']);
  });

  it('transfer: listed (unconfirmed) under the new owner and demoted under the old before the move; confirmed and unlisted after', async () => {
    const stored = storedDataset(ownerId);
    const { service, steps } = build(stored, { assertAvailable: jest.fn(async () => undefined) });
    await service.update({ id: stored._id }, { ownerId: to.toHexString() }, adminPrincipal());
    expect(steps).toEqual(['write transfer mark', 'list to', 'demote owner', 'write owner to', 'confirm to', 'unlist owner']);
  });

  it('transfer refused: the dataset stays its owner’s, confirmed again; the new owner’s entry stays a candidate', async () => {
    const stored = storedDataset(ownerId);
    const { service, steps } = build(stored, {
      assertAvailable: jest.fn(async () => Promise.reject(new UnprocessableError('no such user'))),
    });
    await expect(service.update({ id: stored._id }, { ownerId: to.toHexString() }, adminPrincipal())).rejects.toBeInstanceOf(
      UnprocessableError,
    );
    expect(steps).toEqual(['write transfer mark', 'list to', 'demote owner', 'clear transfer mark', 'confirm owner']);
  });

  describe("the ownership janitor's settling of an unconfirmed entry (under the dataset's lock)", () => {
    const cutoff = new Date();
    const settle = async (stored: Dataset | null, id = stored?._id ?? new Types.ObjectId()) => {
      const { service, steps } = build(stored as Dataset);
      return { result: await service.settleOwnerEntry(ownerId, id, cutoff), steps };
    };

    it("confirms an active dataset of the list's user", async () => {
      expect(await settle(storedDataset(ownerId))).toEqual({ result: 'confirmed', steps: ['confirm owner'] });
    });

    it('keeps a pending or trashed one of theirs, and one being transferred to them', async () => {
      for (const state of ['pending', 'trashed'] as const) {
        expect(await settle(storedDataset(ownerId, { state }))).toEqual({ result: 'kept', steps: [] });
      }
      expect(await settle(storedDataset(to, { transferTo: ownerId }))).toEqual({ result: 'kept', steps: [] });
    });

    it('unlists a tombstone, another user’s dataset, and a missing one whose id was made before the cutoff', async () => {
      expect(await settle(storedDataset(ownerId, { state: 'deleted' }))).toEqual({ result: 'unlisted', steps: ['unlist owner'] });
      expect(await settle(storedDataset(to))).toEqual({ result: 'unlisted', steps: ['unlist owner'] });
      const old = new Types.ObjectId(Math.floor(cutoff.getTime() / 1000) - 120);
      expect(await settle(null, old)).toEqual({ result: 'unlisted', steps: ['unlist owner'] });
    });

    it('keeps a missing one whose create may still insert it (its id made since the cutoff)', async () => {
      const recent = new Types.ObjectId(Math.floor(cutoff.getTime() / 1000) + 1);
      expect(await settle(null, recent)).toEqual({ result: 'kept', steps: [] });
    });
  });
});
