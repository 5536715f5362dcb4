import { FilterQuery, Types } from 'mongoose';
import { containsPattern } from '../common/mongo/text';
import { createdAtFilter } from '../common/validation/time-range.dto';
import type { DatasetReader } from './dataset-access';
import { SearchDatasetsQueryDto } from './dto/search-datasets-query.dto';
import { Dataset } from './schemas/dataset.schema';

/** The filters of DatasetsRepository's searches, as plain functions of the query and the reader. */

/** The query's own filters (owner, name, tags, frequency, text, creation range). */
export function filtersOf(query: SearchDatasetsQueryDto): FilterQuery<Dataset>[] {
  const conditions: FilterQuery<Dataset>[] = [createdAtFilter(query)];
  if (query.ownerId) conditions.push({ ownerId: new Types.ObjectId(query.ownerId) });
  if (query.name) conditions.push({ nameKey: containsPattern(query.name) });
  if (query.tags?.length) conditions.push({ tags: query.tagMatch === 'any' ? { $in: query.tags } : { $all: query.tags } });
  if (query.frequency) conditions.push({ frequency: query.frequency });
  if (query.q) {
    const pattern = containsPattern(query.q);
    conditions.push({ $or: [{ nameKey: pattern }, { descriptionKey: pattern }] });
  }
  return conditions;
}

/** Whose trash `reader` sees (see dataset-trash-rules.ts mayManageTrash), as a query: grants and visibility do not count. */
export function trashOf(reader: DatasetReader): FilterQuery<Dataset>[] {
  const conditions: FilterQuery<Dataset>[] = [];
  if (reader.datasetIds) conditions.push({ _id: { $in: reader.datasetIds.map((id) => new Types.ObjectId(id)) } });
  if (!reader.admin) conditions.push({ ownerId: reader.userId });
  return conditions;
}

/** The conditions of "may read" (see dataset-access.ts mayRead), as a query. */
export function readableBy(reader: DatasetReader): FilterQuery<Dataset>[] {
  const conditions: FilterQuery<Dataset>[] = [];
  if (reader.datasetIds) conditions.push({ _id: { $in: reader.datasetIds.map((id) => new Types.ObjectId(id)) } });
  if (!reader.admin) conditions.push({ $or: [{ ownerId: reader.userId }, { visibility: 'internal' }, { 'grants.userId': reader.userId }] });
  return conditions;
}
