import { absent, isPlainObject } from '../../common/validation/quick-checks';
import { isObjectIdHex, textProblem, TextRule } from '../../common/validation/text';
import { MAX_FIELDS, TIMESTAMP_FIELD } from '../dataset-shape';
import { FIELD_TYPES, VISIBILITIES } from '../schemas/dataset.schema';
import {
  CreateDatasetDto,
  DATASET_TEXT,
  DatasetFieldDto,
  FIELD_NAME_PATTERN,
  FREQUENCY_PATTERN,
  MAX_TAGS,
  TAG_PATTERN,
} from './create-dataset.dto';

/**
 * The body of a `POST /datasets/bulk` item as CreateDatasetDto, when it plainly keeps every rule of that DTO; undefined
 * whenever in doubt. Only a shortcut to a yes: class-validator costs ~80 µs an item (80 ms of a 1,000-item call, before any
 * store command), this ~2 µs; an item it does not pass goes through the full validator, which alone words the 400s. So it
 * may refuse more than the DTO does, never less (create-dataset-quick-check.spec.ts holds it to the DTO).
 */
export function quickCreateDataset(item: unknown): CreateDatasetDto | undefined {
  if (!isPlainObject(item)) return undefined;
  for (const key of Object.keys(item)) if (!DATASET_KEYS.has(key)) return undefined;
  const { ownerId, name, description, tags, frequency, fields, source, visibility } = item;
  if (!absent(ownerId) && !(typeof ownerId === 'string' && isObjectIdHex(ownerId))) return undefined;
  if (!isText(name, DATASET_TEXT.name)) return undefined;
  if (!absent(description) && !isText(description, DATASET_TEXT.description)) return undefined;
  if (!absent(tags) && !isTagList(tags)) return undefined;
  if (!absent(frequency) && !(typeof frequency === 'string' && FREQUENCY_PATTERN.test(frequency))) return undefined;
  if (!absent(source) && !isText(source, DATASET_TEXT.source)) return undefined;
  if (!absent(visibility) && !VISIBILITIES.some((allowed) => allowed === visibility)) return undefined;
  let fieldDtos: DatasetFieldDto[] | null | undefined = fields as null | undefined;
  if (!absent(fields)) {
    fieldDtos = quickFields(fields);
    if (!fieldDtos) return undefined;
  }
  // What class-transformer makes of the item: the DTO with the keys as sent, nested fields as DatasetFieldDto.
  const dto = Object.assign(new CreateDatasetDto(), item);
  if ('fields' in item) dto.fields = fieldDtos;
  if (Array.isArray(tags)) dto.tags = [...(tags as string[])];
  return dto;
}

const DATASET_KEYS = new Set(['ownerId', 'name', 'description', 'tags', 'frequency', 'fields', 'source', 'visibility']);
const FIELD_KEYS = new Set(['name', 'type', 'unit']);

function quickFields(fields: unknown): DatasetFieldDto[] | undefined {
  if (!Array.isArray(fields) || fields.length > MAX_FIELDS) return undefined;
  const names = new Set<string>();
  const dtos: DatasetFieldDto[] = [];
  for (const field of fields) {
    if (!isPlainObject(field)) return undefined;
    for (const key of Object.keys(field)) if (!FIELD_KEYS.has(key)) return undefined;
    const { name, type, unit } = field;
    if (typeof name !== 'string' || !FIELD_NAME_PATTERN.test(name) || name === TIMESTAMP_FIELD || name === '__proto__') return undefined;
    if (names.has(name)) return undefined;
    names.add(name);
    if (!FIELD_TYPES.some((allowed) => allowed === type)) return undefined;
    if (!absent(unit) && !isText(unit, DATASET_TEXT.unit)) return undefined;
    dtos.push(Object.assign(new DatasetFieldDto(), field));
  }
  return dtos;
}

function isTagList(tags: unknown): boolean {
  if (!Array.isArray(tags) || tags.length > MAX_TAGS) return false;
  if (!tags.every((tag) => typeof tag === 'string' && TAG_PATTERN.test(tag))) return false;
  return new Set(tags).size === tags.length;
}

function isText(value: unknown, rule: TextRule): boolean {
  return typeof value === 'string' && textProblem(value, rule) === undefined;
}
