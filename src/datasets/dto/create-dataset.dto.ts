import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsNotIn, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { IsObjectIdString, IsText, TextRule } from '../../common/validation/text';
import { MAX_FIELDS, TIMESTAMP_FIELD } from '../dataset-shape';
import { FIELD_TYPES, FieldType, VISIBILITIES, Visibility } from '../schemas/dataset.schema';

export const MAX_TAGS = 32;
export const FREQUENCY_PATTERN = /^[1-9][0-9]{0,5}(ms|s|m|h|d|w)$/;
export const FIELD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const TAG_PATTERN = /^[A-Za-z0-9_.:/-]{1,64}$/;

/** A sampling interval such as `1m` or `15m`: a positive number and a unit. */
export const IsFrequency = (): PropertyDecorator =>
  applyDecorators(
    Matches(FREQUENCY_PATTERN, { message: 'frequency must be a positive number and a unit: ms, s, m, h, d or w (e.g. 1m, 15m, 1h, 1d)' }),
    ApiProperty({ type: 'string', pattern: FREQUENCY_PATTERN.source }),
  );

/** Each tag is 1–64 letters, digits, `_`, `-`, `.`, `:` or `/` (in bodies and in the `tags` filter alike). */
export const IsTagEach = (): PropertyDecorator =>
  Matches(TAG_PATTERN, { each: true, message: 'each tag must be 1-64 letters, digits, "_", "-", ".", ":" or "/"' });

/** A dataset's tags: at most MAX_TAGS distinct tags. */
export const IsTagList = (): PropertyDecorator =>
  applyDecorators(
    IsArray(),
    ArrayMaxSize(MAX_TAGS),
    ArrayUnique(),
    IsString({ each: true }),
    IsTagEach(),
    ApiProperty({ type: 'array', items: { type: 'string', pattern: TAG_PATTERN.source }, maxItems: MAX_TAGS, uniqueItems: true }),
  );

/** A dataset's record schema: at most MAX_FIELDS columns with distinct names. */
export const IsFieldList = (): PropertyDecorator =>
  applyDecorators(
    IsArray(),
    ArrayMaxSize(MAX_FIELDS),
    ArrayUnique((field: DatasetFieldDto) => field?.name, { message: 'fields must have distinct names' }),
    ValidateNested({ each: true }),
    Type(() => DatasetFieldDto),
    ApiProperty({ type: () => [DatasetFieldDto], maxItems: MAX_FIELDS }),
  );

/** The text rules of a new dataset's fields (also read by quickCreateDataset). */
export const DATASET_TEXT = {
  name: { kind: 'label', maxLength: 200 },
  description: { kind: 'multiline', maxLength: 4000, minLength: 0 },
  source: { kind: 'label', maxLength: 2048 },
  unit: { kind: 'label', maxLength: 32 },
} as const satisfies Record<string, TextRule>;

export const IsVisibility = (): PropertyDecorator => applyDecorators(IsIn(VISIBILITIES), ApiProperty({ enum: VISIBILITIES }));

export class DatasetFieldDto {
  /**
   * Column name: a letter or `_` first, then letters, digits or `_` (at most 64); not `timestamp` or `__proto__`.
   * @example 'temperature'
   */
  @IsString()
  @ApiProperty({ type: 'string', pattern: FIELD_NAME_PATTERN.source, not: { enum: [TIMESTAMP_FIELD, '__proto__'] } })
  @Matches(FIELD_NAME_PATTERN, {
    message: 'name must start with a letter or "_" and hold only letters, digits and "_" (at most 64 characters)',
  })
  @IsNotIn([TIMESTAMP_FIELD], { message: `name must not be "${TIMESTAMP_FIELD}" (the records' time column)` })
  // JSON bodies may not carry a `__proto__` key (see app.setup), so no point could hold such a field.
  @IsNotIn(['__proto__'], { message: 'name must not be "__proto__"' })
  name: string;

  /** @example 'number' */
  @IsIn(FIELD_TYPES)
  type: FieldType;

  /** @example '°C' */
  @IsOptional()
  @IsText(DATASET_TEXT.unit)
  unit?: string | null;
}

export class CreateDatasetDto {
  /**
   * Id of the owning user: the caller when absent (or null). Only an admin may register a dataset for someone else (403).
   */
  // No example: an id of no user would make the document's example request a 422.
  @IsOptional()
  @IsObjectIdString()
  ownerId?: string | null;

  /**
   * Unique (case-insensitively) among the owner's datasets.
   * @example 'household-power'
   */
  @IsText(DATASET_TEXT.name)
  name: string;

  /** @example 'Minute-level household power consumption, cleaned and resampled.' */
  @IsOptional()
  @IsText(DATASET_TEXT.description)
  description?: string | null;

  /**
   * Up to 32 distinct tags of 1–64 letters, digits, `_`, `-`, `.`, `:` or `/`.
   * @example ['energy', 'household']
   */
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  /**
   * Sampling interval: a positive number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`).
   * @example '1m'
   */
  @IsOptional()
  @IsFrequency()
  frequency?: string | null;

  /** Schema of the records: at most 200 columns with distinct names. */
  @IsOptional()
  @IsFieldList()
  fields?: DatasetFieldDto[] | null;

  /**
   * Where the data comes from (a URI or a note).
   * @example 's3://raw/power/2026-11.csv'
   */
  @IsOptional()
  @IsText(DATASET_TEXT.source)
  source?: string | null;

  /** Who may read it: `private` (the default: its owner, the users it is shared with, admins) or `internal` (every authenticated user). */
  @IsOptional()
  @IsVisibility()
  visibility?: Visibility | null;
}
