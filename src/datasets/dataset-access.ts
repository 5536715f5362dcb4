/**
 * Who may do what to a dataset: the access rules as plain functions of the
 * caller and the dataset. A dataset the caller may not read does not exist
 * for them (404); one they may read but not change answers 403.
 */
import { Types } from 'mongoose';
import { ForbiddenError } from '../common/errors/domain-errors';
import { fieldDetails } from '../common/errors/field-error';
import { actsAsAdmin, Principal } from '../access/principal';
import { notFound, DatasetRef } from './dataset-rules';
import { AccessLevel, Dataset, visibilityOf } from './schemas/dataset.schema';

/**
 * Whether `principal` may read every active dataset `ownerId` owns that its token reaches (an admin, the
 * owner): for them the owner index's confirmed entries need no read (see OwnedDatasets).
 */
export function readsEveryDatasetOf(principal: Principal, ownerId: Types.ObjectId): boolean {
  return actsAsAdmin(principal) || principal.userId.equals(ownerId);
}

/** Whether the caller's token reaches the dataset (a token may be limited to some datasets). */
export function withinTokenLimit(principal: Principal, dataset: Pick<Dataset, '_id'>): boolean {
  return !principal.datasetIds || principal.datasetIds.has(dataset._id.toHexString());
}

export function grantOf(dataset: Pick<Dataset, 'grants'>, userId: Types.ObjectId): AccessLevel | undefined {
  return dataset.grants?.find((grant) => grant.userId.equals(userId))?.level;
}

export function isOwner(principal: Principal, dataset: Pick<Dataset, 'ownerId'>): boolean {
  return dataset.ownerId.equals(principal.userId);
}

export function mayRead(principal: Principal, dataset: Pick<Dataset, '_id' | 'ownerId' | 'visibility' | 'grants'>): boolean {
  if (!withinTokenLimit(principal, dataset)) return false;
  return (
    actsAsAdmin(principal) ||
    isOwner(principal, dataset) ||
    visibilityOf(dataset) === 'internal' ||
    grantOf(dataset, principal.userId) !== undefined
  );
}

/** Change the dataset, write or delete its records, delete it: the owner, a write grantee, an admin. */
export function mayWrite(principal: Principal, dataset: Pick<Dataset, '_id' | 'ownerId' | 'grants'>): boolean {
  if (!withinTokenLimit(principal, dataset) || !principal.scopes.has('write')) return false;
  return actsAsAdmin(principal) || isOwner(principal, dataset) || grantOf(dataset, principal.userId) === 'write';
}

/**
 * Transfer it, change its visibility, grant and revoke access: the owner or an
 * admin (with a token that may write); see whom it is shared with: the same,
 * reading only.
 */
export function mayManage(principal: Principal, dataset: Pick<Dataset, '_id' | 'ownerId'>, reading = false): boolean {
  if (!withinTokenLimit(principal, dataset) || (!reading && !principal.scopes.has('write'))) return false;
  return actsAsAdmin(principal) || isOwner(principal, dataset);
}

/** Throws 404 unless the caller may read the dataset. */
export function assertReadable(principal: Principal, dataset: Dataset, ref: DatasetRef): void {
  if (!mayRead(principal, dataset)) throw notFound(ref);
}

/** Throws 404 unless the caller may read the dataset, 403 unless they may also change it. */
export function assertWritable(principal: Principal, dataset: Dataset, ref: DatasetRef): void {
  assertReadable(principal, dataset, ref);
  if (!mayWrite(principal, dataset)) {
    throw new ForbiddenError(`you may read dataset ${dataset._id.toHexString()} but not change it (owner, write grantees and admins may)`);
  }
}

/** Throws 404 unless the caller may read the dataset, 403 unless they own it or are an admin. */
export function assertManageable(principal: Principal, dataset: Dataset, ref: DatasetRef, what: string, reading = false): void {
  assertReadable(principal, dataset, ref);
  if (!mayManage(principal, dataset, reading)) {
    throw new ForbiddenError(`only the owner of dataset ${dataset._id.toHexString()} or an admin may ${what}`);
  }
}

/** The owner of a new dataset: the caller, unless an admin names someone else (anyone else: 403). */
export function ownerFor(dto: { ownerId?: string | null }, principal: Principal): Types.ObjectId {
  if (dto.ownerId == null || principal.userId.equals(dto.ownerId)) return principal.userId;
  if (!actsAsAdmin(principal)) {
    const message = 'only an admin may register a dataset for another user';
    throw new ForbiddenError(message, fieldDetails('ownerId', message));
  }
  return new Types.ObjectId(dto.ownerId);
}

/** Whose reading a query of datasets is filtered by (see DatasetsRepository.search); none for an unlimited admin. */
export interface DatasetReader {
  userId: Types.ObjectId;
  /** The reader sees everything (an admin) but for this limit of their token. */
  admin: boolean;
  datasetIds?: readonly string[];
}

export function readerOf(principal: Principal): DatasetReader {
  return {
    userId: principal.userId,
    admin: actsAsAdmin(principal),
    ...(principal.datasetIds ? { datasetIds: [...principal.datasetIds] } : {}),
  };
}
