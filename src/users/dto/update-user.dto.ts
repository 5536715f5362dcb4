import { IsBoolean, IsOptional, ValidateIf } from 'class-validator';
import { IsFlatStringMap } from '../../common/validation/flat-string-map.validator';
import { IsEmailAddress, IsText } from '../../common/validation/text';
import { RequiresAField } from '../../common/validation/declared-keys';
import { isPresent } from '../../common/validation/transforms';
import { ATTRIBUTE_LIMITS } from './create-user.dto';

/**
 * Fields to change, at least one; absent fields stay as they are. `null`
 * means "no value", as on create: it clears `organization` or `role` and
 * empties `attributes` (which a value replaces whole). `name` and `email`
 * cannot be null.
 */
@RequiresAField()
export class UpdateUserDto {
  /** @example 'Aaron B.' */
  @ValidateIf(isPresent)
  @IsText({ kind: 'label', maxLength: 200 })
  name?: string;

  /** @example 'aaron.b@example.com' */
  @ValidateIf(isPresent)
  @IsEmailAddress()
  email?: string;

  /** @example 'Forecasting Lab' */
  @IsOptional()
  @IsText({ kind: 'label', maxLength: 200 })
  organization?: string | null;

  /** @example 'ml-engineer' */
  @IsOptional()
  @IsText({ kind: 'label', maxLength: 100 })
  role?: string | null;

  /** @example { "team": "energy" } */
  @IsOptional()
  @IsFlatStringMap(ATTRIBUTE_LIMITS)
  attributes?: Record<string, string> | null;

  /**
   * Makes the user a platform operator or takes that away. Only an admin may, and not from themselves (409).
   * @example true
   */
  @ValidateIf(isPresent)
  @IsBoolean()
  admin?: boolean;
}
