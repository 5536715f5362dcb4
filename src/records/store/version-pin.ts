import { NotFoundError } from '../../common/errors/domain-errors';
import type { DatasetVersion } from '../schemas/dataset-version.schema';
import type { VersionsRepository } from './versions.repository';

/** Which points a read serves: a sealed version by number or by tag, or (neither) the live points. */
export interface VersionPin {
  version?: number;
  tag?: string;
}

/** The version a pin names; undefined for the live points; 404 when the dataset has no such version or tag. */
export async function pinnedVersion(
  versions: Pick<VersionsRepository, 'findVersion' | 'findTag'>,
  datasetId: string,
  pin: VersionPin,
): Promise<DatasetVersion | undefined> {
  let number = pin.version;
  if (pin.tag !== undefined) {
    const tag = await versions.findTag(datasetId, pin.tag);
    if (!tag) throw new NotFoundError(`dataset ${datasetId} has no tag ${pin.tag}`);
    number = tag.version;
  }
  return number === undefined ? undefined : existingVersion(versions, datasetId, number);
}

/** The dataset's version `number`, or 404. */
export async function existingVersion(
  versions: Pick<VersionsRepository, 'findVersion'>,
  datasetId: string,
  number: number,
): Promise<DatasetVersion> {
  const version = await versions.findVersion(datasetId, number);
  if (!version) throw new NotFoundError(`dataset ${datasetId} has no version ${number}`);
  return version;
}
