import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsMongoId,
  IsNotEmpty,
  IsNotIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { trimString } from '../../common/validation/transforms';
import { FIELD_TYPES, FieldType } from '../schemas/dataset.schema';

export const MAX_TAGS = 32;
export const MAX_FIELDS = 200;
/** The records' time column (see the records API); no declared field may take its name. */
export const TIMESTAMP_FIELD = 'timestamp';
export const FREQUENCY_PATTERN = /^[1-9]\d{0,5}(ms|s|m|h|d|w)$/;

export class DatasetFieldDto {
  /**
   * Column name: a letter or `_` first, then letters, digits or `_` (at most 64); not `timestamp`.
   * @example 'temperature'
   */
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, {
    message: 'name must start with a letter or "_" and hold only letters, digits and "_" (at most 64 characters)',
  })
  @IsNotIn([TIMESTAMP_FIELD], { message: `name must not be "${TIMESTAMP_FIELD}" (the records' time column)` })
  name: string;

  /** @example 'number' */
  @IsIn(FIELD_TYPES)
  type: FieldType;

  /** @example '°C' */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  unit?: string;
}

export class CreateDatasetDto {
  /**
   * Id of the owning user.
   * @example '6650c0ffee0000000000a001'
   */
  @IsMongoId({ message: 'ownerId must be a 24-character hexadecimal id' })
  ownerId: string;

  /**
   * Unique (case-insensitively) among the owner's datasets.
   * @example 'household-power'
   */
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  /** @example 'Minute-level household power consumption, cleaned and resampled.' */
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string;

  /**
   * Up to 32 distinct tags of 1–64 letters, digits, `_`, `-`, `.`, `:` or `/`.
   * @example ['energy', 'household']
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(/^[\w.:/-]{1,64}$/, { each: true, message: 'each tag must be 1-64 letters, digits, "_", "-", ".", ":" or "/"' })
  tags?: string[];

  /**
   * Sampling interval: a positive number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`).
   * @example '1m'
   */
  @IsOptional()
  @Matches(FREQUENCY_PATTERN, { message: 'frequency must be a positive number and a unit: ms, s, m, h, d or w (e.g. 1m, 15m, 1h, 1d)' })
  frequency?: string;

  /** Schema of the records: at most 200 columns with distinct names. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FIELDS)
  @ArrayUnique((field: DatasetFieldDto) => field?.name, { message: 'fields must have distinct names' })
  @ValidateNested({ each: true })
  @Type(() => DatasetFieldDto)
  fields?: DatasetFieldDto[];

  /**
   * Where the data comes from (a URI or a note).
   * @example 's3://raw/power/2026-11.csv'
   */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  source?: string;
}
