import { ApiProperty } from '@nestjs/swagger';
import { AsJson, SameShape } from '../../common/types/json-shape';
import { DatasetState } from '../../events/contract';
import { Dataset, FIELD_TYPES, FieldType, VISIBILITIES, Visibility, visibilityOf } from '../schemas/dataset.schema';

export class DatasetFieldResponseDto {
  /** @example 'temperature' */
  name: string;

  @ApiProperty({ enum: FIELD_TYPES, example: 'number' })
  type: FieldType;

  /** @example '°C' */
  unit?: string;
}

export class DatasetResponseDto {
  /** @example '6650c0ffee0000000000d001' */
  id: string;

  /**
   * Registration number: unique, increasing in order of registration. `GET /datasets/{seq}` works too.
   * @example 1
   */
  seq: number;

  /** @example '6650c0ffee0000000000a001' */
  ownerId: string;

  /** @example 'household-power' */
  name: string;

  /** @example 'Minute-level household power consumption.' */
  description?: string;

  /** @example ['energy', 'household'] */
  tags: string[];

  /** @example '1m' */
  frequency?: string;

  fields: DatasetFieldResponseDto[];

  /** @example 's3://raw/power/2026-11.csv' */
  source?: string;

  /** `private`: its owner, the users it is shared with and admins may read it; `internal`: every authenticated user may. */
  @ApiProperty({ enum: VISIBILITIES, example: 'private' })
  visibility: Visibility;

  createdAt: Date;
  updatedAt: Date;

  /** In the trash listing (`GET /datasets?trashed=true`) only: when it was deleted. */
  trashedAt?: Date;

  /** In the trash listing only: when the trash janitor purges it with its records unless it is restored first. */
  purgeAt?: Date;
}

export class DatasetPageDto {
  items: DatasetResponseDto[];

  /** Pass as `cursor` to get the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}

/** What only the trash listing adds to a dataset (the trash events carry them beside the dataset). */
type TrashFields = 'trashedAt' | 'purgeAt';

/**
 * The response, once serialised (but for the trash listing's own fields), is exactly the event contract's DatasetState:
 * the contract is declared on its own (other services copy it), and this
 * constant stops the build the moment the two drift apart (`visibility` is
 * optional in the contract only because it was added later).
 */
type StateFromResponse = Omit<AsJson<DatasetResponseDto>, 'visibility' | TrashFields> & Pick<DatasetState, 'visibility'>;
export const RESPONSE_IS_EVENT_STATE: SameShape<{ [K in keyof StateFromResponse]: StateFromResponse[K] }, DatasetState> = true;

/** The dataset as carried by its events (see events/contract). */
export function toDatasetState(dataset: Dataset): DatasetState {
  const { createdAt, updatedAt, ...fields } = toDatasetResponse(dataset);
  return { ...fields, createdAt: createdAt.toISOString(), updatedAt: updatedAt.toISOString() };
}

export function toDatasetResponse(dataset: Dataset): DatasetResponseDto {
  const response: DatasetResponseDto = {
    id: dataset._id.toHexString(),
    seq: dataset.seq,
    ownerId: dataset.ownerId.toHexString(),
    name: dataset.name,
    tags: dataset.tags ?? [],
    fields: (dataset.fields ?? []).map(({ name, type, unit }) => (unit === undefined ? { name, type } : { name, type, unit })),
    visibility: visibilityOf(dataset),
    createdAt: dataset.createdAt,
    updatedAt: dataset.updatedAt,
  };
  if (dataset.description !== undefined) response.description = dataset.description;
  if (dataset.frequency !== undefined) response.frequency = dataset.frequency;
  if (dataset.source !== undefined) response.source = dataset.source;
  return response;
}

/** A trashed dataset as the trash listing shows it. */
export function toTrashedDatasetResponse(dataset: Dataset, purgeAt: Date): DatasetResponseDto {
  return { ...toDatasetResponse(dataset), ...(dataset.trashedAt ? { trashedAt: dataset.trashedAt } : {}), purgeAt };
}
