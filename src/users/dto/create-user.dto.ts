import { IsBoolean, IsOptional, ValidateIf } from 'class-validator';
import { isPresent } from '../../common/validation/transforms';
import { IsFlatStringMap } from '../../common/validation/flat-string-map.validator';
import { IsEmailAddress, IsText } from '../../common/validation/text';

export const ATTRIBUTE_LIMITS = { maxKeys: 50, maxValueLength: 1024 };

/**
 * A new user. Values are stored exactly as sent: names and labels must not
 * start or end with white space or hold control characters (400 otherwise).
 * `null` for an optional field means "no value", as in a PATCH.
 */
export class CreateUserDto {
  /**
   * Display name.
   * @example 'Aaron'
   */
  @IsText({ kind: 'label', maxLength: 200 })
  name: string;

  /**
   * E-mail address, unique across users regardless of case.
   * @example 'aaron@example.com'
   */
  @IsEmailAddress()
  email: string;

  /**
   * @example 'Forecasting Lab'
   */
  @IsOptional()
  @IsText({ kind: 'label', maxLength: 200 })
  organization?: string | null;

  /**
   * @example 'data-scientist'
   */
  @IsOptional()
  @IsText({ kind: 'label', maxLength: 100 })
  role?: string | null;

  /**
   * Free-form string attributes: at most 50 keys (a letter first, then letters, digits, `_`, `-`; up to 64 characters), values up to 1024 characters without control characters other than tab and line breaks.
   * @example { "team": "energy", "timezone": "Europe/Berlin" }
   */
  @IsOptional()
  @IsFlatStringMap(ATTRIBUTE_LIMITS)
  attributes?: Record<string, string> | null;

  /**
   * A platform operator. Only an admin may create one (403 otherwise).
   * @example false
   */
  @ValidateIf(isPresent)
  @IsBoolean()
  admin?: boolean;
}
