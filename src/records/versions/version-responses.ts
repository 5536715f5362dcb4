import type { DatasetTag, DatasetVersion } from '../schemas/dataset-version.schema';
import type { TagResponseDto, VersionResponseDto } from './dto/version.dto';

export function toVersionResponse(version: Omit<DatasetVersion, 'buckets'>, tags: string[]): VersionResponseDto {
  const { stats } = version;
  const response: VersionResponseDto = {
    datasetId: version.datasetId,
    version: version.number,
    digest: version.digest,
    count: stats.count,
    fields: version.fields,
    stats: stats.fields,
    tags,
    createdBy: version.createdBy,
    createdAt: version.createdAt.toISOString(),
  };
  if (stats.first !== undefined) response.first = new Date(stats.first).toISOString();
  if (stats.last !== undefined) response.last = new Date(stats.last).toISOString();
  if (version.message !== undefined) response.message = version.message;
  if (version.derivedFrom !== undefined) response.derivedFrom = version.derivedFrom;
  if (version.transform !== undefined) response.transform = version.transform;
  return response;
}

export function toTagResponse(tag: DatasetTag, digest: string): TagResponseDto {
  return {
    datasetId: tag.datasetId,
    name: tag.name,
    version: tag.version,
    digest,
    createdBy: tag.createdBy,
    createdAt: tag.createdAt.toISOString(),
  };
}
