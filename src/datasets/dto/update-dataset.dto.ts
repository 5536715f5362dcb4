import { IsOptional, ValidateIf } from 'class-validator';
import { IsObjectIdString, IsText } from '../../common/validation/text';
import { RequiresAField } from '../../common/validation/declared-keys';
import { isPresent } from '../../common/validation/transforms';
import { Visibility } from '../schemas/dataset.schema';
import { DatasetFieldDto, IsFieldList, IsFrequency, IsTagList, IsVisibility } from './create-dataset.dto';

/**
 * Fields to change, at least one; absent fields stay as they are. `null`
 * means "no value", as on create: it clears `description`, `frequency` or
 * `source` and empties `tags` or `fields`; `ownerId` and `name` cannot be
 * null. A new `ownerId` transfers the dataset to that user (the owner or an
 * admin may; the new owner need not accept).
 */
@RequiresAField()
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
  @IsText({ kind: 'label', maxLength: 200 })
  name?: string;

  @IsOptional()
  @IsText({ kind: 'multiline', maxLength: 4000, minLength: 0 })
  description?: string | null;

  /** Replaces the tags. */
  @IsOptional()
  @IsTagList()
  tags?: string[] | null;

  /** @example '15m' */
  @IsOptional()
  @IsFrequency()
  frequency?: string | null;

  /** Replaces the record schema. */
  @IsOptional()
  @IsFieldList()
  fields?: DatasetFieldDto[] | null;

  @IsOptional()
  @IsText({ kind: 'label', maxLength: 2048 })
  source?: string | null;

  /** `private` or `internal`; only the owner or an admin may change it (403). */
  @ValidateIf(isPresent)
  @IsVisibility()
  visibility?: Visibility;
}
