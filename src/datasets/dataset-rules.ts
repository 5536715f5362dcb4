/**
 * The dataset rules as plain functions (no I/O): how a new dataset and a
 * PATCH become documents and updates, and the errors they raise.
 */
import { Types } from 'mongoose';
import { BulkOutcomes } from '../common/bulk/bulk-outcomes';
import { ConflictError, DomainError, DuplicateNameError, NotFoundError } from '../common/errors/domain-errors';
import { toErrorBody } from '../common/errors/error-body';
import { FieldChanges } from '../common/mongo/field-changes';
import { searchKey } from '../common/mongo/text';
import { EventActor } from '../events/contract';
import type { Change } from '../events/outbox/outbox';
import { CreateDatasetDto, DatasetFieldDto } from './dto/create-dataset.dto';
import { DatasetResponseDto, toDatasetState } from './dto/dataset-response.dto';
import { UpdateDatasetDto } from './dto/update-dataset.dto';
import { Dataset, DatasetField } from './schemas/dataset.schema';
import { fieldDetails } from '../common/errors/field-error';

/** A dataset is addressed by its id or by its registration number. */
export type DatasetRef = { id: Types.ObjectId } | { seq: number };

/** A new dataset of `ownerId`, active from its insert, its outbox empty until it is stored with its `dataset.created` (see datasetCreated). */
export function newDataset(dto: CreateDatasetDto, seq: number, ownerId: Types.ObjectId): Dataset {
  const now = new Date();
  const dataset: Dataset = {
    _id: new Types.ObjectId(),
    seq,
    ownerId,
    name: dto.name,
    nameKey: searchKey(dto.name),
    tags: dto.tags ?? [],
    fields: toFields(dto.fields ?? []),
    state: 'active',
    rev: 1,
    outbox: [],
    createdAt: now,
    updatedAt: now,
  };
  // An optional field sent as null is simply not given (@IsOptional lets null through).
  if (dto.description != null) {
    dataset.description = dto.description;
    dataset.descriptionKey = searchKey(dto.description);
  }
  if (dto.frequency != null) dataset.frequency = dto.frequency;
  if (dto.source != null) dataset.source = dto.source;
  dataset.visibility = dto.visibility ?? 'private';
  return dataset;
}

/** The `dataset.created` of a new dataset: written with the pending dataset, published once it is active. */
export function datasetCreated(dataset: Dataset, actor: EventActor): Change<'dataset.created'> {
  return {
    type: 'dataset.created',
    id: dataset._id,
    sequence: 1,
    data: toDatasetState(dataset),
    ownerId: dataset.ownerId.toHexString(),
    actor,
  };
}

/** How a message names the dataset a route was given: its id, or `#<seq>`. */
export function refText(ref: DatasetRef): string {
  return 'id' in ref ? ref.id.toHexString() : `#${ref.seq}`;
}

export function notFound(ref: DatasetRef): NotFoundError {
  return new NotFoundError(`dataset ${refText(ref)} not found`);
}

export function nameDetails(name: string): { field: string; messages: string[] }[] {
  return [{ field: 'name', messages: [`the owner already has a dataset named "${name}"`] }];
}

export function duplicateName(name: string): DuplicateNameError {
  return new DuplicateNameError(`the owner already has a dataset named "${name}"`, nameDetails(name));
}

export function rejectWith(outcomes: BulkOutcomes<DatasetResponseDto>, index: number, error: DomainError): void {
  const { statusCode, message, details } = toErrorBody(error);
  outcomes.reject(index, statusCode, message, Array.isArray(details) ? details : undefined);
}

export function uniqueIds(ids: string[]): Types.ObjectId[] {
  return [...new Set(ids)].map((id) => new Types.ObjectId(id));
}

/** Datasets whose records were last written before recordCount existed count as having some. */
export function hasRecords(dataset: Dataset): boolean {
  return dataset.recordCount === undefined ? dataset.recordSeriesId !== undefined : dataset.recordCount > 0;
}

/** Once records exist, their columns stay: fields may be added, not removed or retyped. */
export function assertExtendsFields(current: DatasetField[], next: DatasetField[]): void {
  const lost = current.filter((field) => !next.some((candidate) => candidate.name === field.name && candidate.type === field.type));
  if (lost.length > 0) {
    const message = `the dataset has records: fields may be added but not removed or retyped (${lost.map((f) => f.name).join(', ')})`;
    throw new ConflictError(message, fieldDetails('fields', message));
  }
}

export function toFields(fields: DatasetFieldDto[]): DatasetField[] {
  // A null unit is no unit (see the null rule of the DTOs).
  return fields.map(({ name, type, unit }) => (unit == null ? { name, type } : { name, type, unit }));
}

/** The dataset after `changes`, one revision later, as the write below will leave it. */
export function applyChanges(current: Dataset, changes: FieldChanges): Dataset {
  const next = { ...current, ...changes.$set, updatedAt: new Date(), rev: current.rev + 1 };
  for (const field of Object.keys(changes.$unset)) delete next[field as keyof Dataset];
  return next;
}

/** The $set/$unset of a PATCH, derived fields included; `null` clears an optional field. */
export function datasetChanges(dto: UpdateDatasetDto): FieldChanges {
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, 1> = {};
  if (dto.name !== undefined) {
    $set.name = dto.name;
    $set.nameKey = searchKey(dto.name);
  }
  if (dto.description === null) {
    $unset.description = 1;
    $unset.descriptionKey = 1;
  } else if (dto.description !== undefined) {
    $set.description = dto.description;
    $set.descriptionKey = searchKey(dto.description);
  }
  if (dto.tags !== undefined) $set.tags = dto.tags ?? [];
  if (dto.frequency === null) $unset.frequency = 1;
  else if (dto.frequency !== undefined) $set.frequency = dto.frequency;
  if (dto.fields !== undefined) $set.fields = toFields(dto.fields ?? []);
  if (dto.source === null) $unset.source = 1;
  else if (dto.source !== undefined) $set.source = dto.source;
  if (dto.visibility !== undefined) $set.visibility = dto.visibility;
  return { $set, $unset };
}
