/**
 * The trash rules as plain functions (no I/O): who sees and manages a
 * trashed dataset, when it is purged, and the errors the trash raises.
 */
import { Types } from 'mongoose';
import { ConflictError, DuplicateNameError, ForbiddenError } from '../common/errors/domain-errors';
import { Principal } from '../access/principal';
import { mayManage } from './dataset-access';
import { nameDetails, notFound, DatasetRef, refText } from './dataset-rules';
import { Dataset } from './schemas/dataset.schema';

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a dataset trashed at `trashedAt` is due for purging. */
export function purgeAtOf(trashedAt: Date, retentionDays: number): Date {
  return new Date(trashedAt.getTime() + retentionDays * DAY_MS);
}

/** Datasets trashed before this instant are due for purging at `now`. */
export function purgeCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * A trashed dataset exists only for its owner and admins (with a token that
 * may write, and within its dataset limit): grants and `internal` visibility
 * end at the trash. Everyone else gets a 404, as for a dataset that never was.
 */
export function assertInTrashOf(principal: Principal, dataset: Dataset, ref: DatasetRef): void {
  if (dataset.state !== 'trashed' || !mayManage(principal, dataset)) throw notFound(ref);
}

/** Purging an active dataset at once is the owner's or an admin's, not a write grantee's (they may trash it). */
export function permanentDeletionForbidden(dataset: Dataset): ForbiddenError {
  return new ForbiddenError(
    `only the owner of dataset ${dataset._id.toHexString()} or an admin may delete it permanently; DELETE without permanent moves it to the trash`,
  );
}

export function notInTrash(ref: DatasetRef): ConflictError {
  return new ConflictError(`dataset ${refText(ref)} is not in the trash: there is nothing to restore`);
}

/**
 * The 409 of a name held by a trashed dataset: it keeps its name while it can
 * come back. Its id only for those who may see the trash it is in.
 */
export function trashedNameTaken(name: string, holder: Pick<Dataset, '_id'>, purgeAt: Date, showId: boolean): DuplicateNameError {
  const id = showId ? holder._id.toHexString() : '{id}';
  const how = showId
    ? `restore it with POST /datasets/${id}/restore, or free the name at once with DELETE /datasets/${id}?permanent=true`
    : `its owner or an admin may restore it, or free the name at once with DELETE /datasets/{id}?permanent=true (GET /datasets?trashed=true lists it)`;
  const message = `a trashed dataset of the owner holds the name "${name}" until it is purged at ${purgeAt.toISOString()}; ${how}`;
  return new DuplicateNameError(
    message,
    nameDetails(name).map((detail) => ({ ...detail, messages: [message] })),
  );
}

/** Whether `principal` may see `ownerId`'s trash: the owner themselves or an admin (see DatasetsRepository.searchTrash). */
export function seesTrashOf(principal: Principal, ownerId: Types.ObjectId, datasetId: Types.ObjectId): boolean {
  return mayManage(principal, { _id: datasetId, ownerId }, true);
}
