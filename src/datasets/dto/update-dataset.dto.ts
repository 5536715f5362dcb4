import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsMongoId,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { isPresent, trimString } from '../../common/validation/transforms';
import { DatasetFieldDto, FREQUENCY_PATTERN, MAX_FIELDS, MAX_TAGS } from './create-dataset.dto';

/**
 * Fields to change; absent fields stay as they are, `null` clears
 * `description`, `frequency` or `source`. A new `ownerId` transfers the
 * dataset to that user.
 */
export class UpdateDatasetDto {
  /**
   * New owner: transfers the dataset.
   * @example '6650c0ffee0000000000a002'
   */
  @ValidateIf(isPresent)
  @IsMongoId({ message: 'ownerId must be a 24-character hexadecimal id' })
  ownerId?: string;

  /** @example 'household-power-v2' */
  @ValidateIf(isPresent)
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string | null;

  /** Replaces the tags. */
  @ValidateIf(isPresent)
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(/^[\w.:/-]{1,64}$/, { each: true, message: 'each tag must be 1-64 letters, digits, "_", "-", ".", ":" or "/"' })
  tags?: string[];

  /** @example '15m' */
  @IsOptional()
  @Matches(FREQUENCY_PATTERN, { message: 'frequency must be a positive number and a unit: ms, s, m, h, d or w (e.g. 1m, 15m, 1h, 1d)' })
  frequency?: string | null;

  /** Replaces the record schema. */
  @ValidateIf(isPresent)
  @IsArray()
  @ArrayMaxSize(MAX_FIELDS)
  @ArrayUnique((field: DatasetFieldDto) => field?.name, { message: 'fields must have distinct names' })
  @ValidateNested({ each: true })
  @Type(() => DatasetFieldDto)
  fields?: DatasetFieldDto[];

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  source?: string | null;
}
