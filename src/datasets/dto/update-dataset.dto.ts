import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsObjectIdString } from '../../common/validation/is-object-id';
import { isPresent, trimString } from '../../common/validation/transforms';
import { DatasetFieldDto, IsFieldList, IsFrequency, IsTagList } from './create-dataset.dto';

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
  @IsObjectIdString()
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
  @IsTagList()
  tags?: string[];

  /** @example '15m' */
  @IsOptional()
  @IsFrequency()
  frequency?: string | null;

  /** Replaces the record schema. */
  @ValidateIf(isPresent)
  @IsFieldList()
  fields?: DatasetFieldDto[];

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  source?: string | null;
}
