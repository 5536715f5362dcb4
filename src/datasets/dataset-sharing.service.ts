import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { actorOf, Principal } from '../access/principal';
import { ConflictError, NotFoundError, UnprocessableError } from '../common/errors/domain-errors';
import { fieldDetails } from '../common/errors/field-error';
import { EntityLocks } from '../common/locks/entity-locks';
import { Outbox } from '../events/outbox/outbox';
import { DatasetOwners } from '../ownership/dataset-owners';
import { assertManageable, grantOf } from './dataset-access';
import { CHANGE_DATASET, datasetLockKey } from './dataset-lock';
import { DatasetRef, notFound } from './dataset-rules';
import { DatasetsRepository } from './datasets.repository';
import { DatasetAccessDto } from './dto/dataset-access.dto';
import { AccessLevel, Dataset, DatasetGrant, visibilityOf } from './schemas/dataset.schema';

/**
 * Sharing a private dataset: its owner (or an admin) grants users `read` or
 * `write`, and revokes it. Each change is written with its event, under the
 * dataset's lock like every other change of it.
 */
@Injectable()
export class DatasetSharingService {
  constructor(
    private readonly datasets: DatasetsRepository,
    private readonly owners: DatasetOwners,
    private readonly locks: EntityLocks,
    private readonly outbox: Outbox,
  ) {}

  async access(ref: DatasetRef, principal: Principal): Promise<DatasetAccessDto> {
    const dataset = await this.findActive(ref);
    assertManageable(principal, dataset, ref, 'see whom it is shared with', true);
    return toAccessDto(dataset);
  }

  async grant(ref: DatasetRef, userId: Types.ObjectId, level: AccessLevel, principal: Principal): Promise<DatasetAccessDto> {
    return this.change(ref, principal, 'share it', async (dataset) => {
      if (dataset.ownerId.equals(userId)) {
        throw new ConflictError('the owner has every access already', fieldDetails('userId', 'is the owner'));
      }
      if ((await this.owners.availability([userId])).get(userId.toHexString()) !== 'available') {
        const message = `userId ${userId.toHexString()} does not refer to an existing user`;
        throw new UnprocessableError(message, fieldDetails('userId', message));
      }
      if (grantOf(dataset, userId) === level) return undefined;
      const grants: DatasetGrant[] = [...(dataset.grants ?? []).filter((grant) => !grant.userId.equals(userId)), { userId, level }];
      return {
        grants,
        type: 'dataset.access.granted' as const,
        change: { datasetId: dataset._id.toHexString(), userId: userId.toHexString(), level },
      };
    });
  }

  async revoke(ref: DatasetRef, userId: Types.ObjectId, principal: Principal): Promise<void> {
    await this.change(ref, principal, 'unshare it', async (dataset) => {
      if (grantOf(dataset, userId) === undefined) {
        throw new NotFoundError(`dataset ${dataset._id.toHexString()} is not shared with user ${userId.toHexString()}`);
      }
      const grants = (dataset.grants ?? []).filter((grant) => !grant.userId.equals(userId));
      return Promise.resolve({
        grants,
        type: 'dataset.access.revoked' as const,
        change: { datasetId: dataset._id.toHexString(), userId: userId.toHexString() },
      });
    });
  }

  /** Reads the dataset under its lock, lets `decide` work out the new grants (or none), writes them with their event. */
  private async change(
    ref: DatasetRef,
    principal: Principal,
    what: string,
    decide: (dataset: Dataset) => Promise<
      | {
          grants: DatasetGrant[];
          type: 'dataset.access.granted' | 'dataset.access.revoked';
          change: { datasetId: string; userId: string; level?: AccessLevel };
        }
      | undefined
    >,
  ): Promise<DatasetAccessDto> {
    const { _id } = await this.findActive(ref);
    return this.locks.withLock(datasetLockKey(_id), CHANGE_DATASET, async () => {
      const current = await this.findActive({ id: _id });
      assertManageable(principal, current, ref, what);
      const decided = await decide(current);
      if (!decided) return toAccessDto(current);
      const rev = current.rev + 1;
      const change = {
        type: decided.type,
        id: _id,
        sequence: rev,
        data: decided.change,
        ownerId: current.ownerId.toHexString(),
        actor: actorOf(principal),
      };
      await this.outbox.recordChange(change, (event) => this.datasets.writeGrants(_id, decided.grants, rev, event));
      return toAccessDto({ ...current, grants: decided.grants });
    });
  }

  private async findActive(ref: DatasetRef): Promise<Dataset> {
    const dataset = await this.datasets.findByRef(ref);
    if (dataset?.state !== 'active') throw notFound(ref);
    return dataset;
  }
}

function toAccessDto(dataset: Dataset): DatasetAccessDto {
  return {
    datasetId: dataset._id.toHexString(),
    ownerId: dataset.ownerId.toHexString(),
    visibility: visibilityOf(dataset),
    grants: (dataset.grants ?? []).map((grant) => ({ userId: grant.userId.toHexString(), level: grant.level })),
  };
}
