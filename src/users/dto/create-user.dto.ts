import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsFlatStringMap } from '../../common/validation/flat-string-map.validator';
import { trimString } from '../../common/validation/transforms';

export const ATTRIBUTE_LIMITS = { maxKeys: 50, maxValueLength: 1024 };

export class CreateUserDto {
  /**
   * Display name.
   * @example 'Aaron'
   */
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  /**
   * E-mail address, unique across users regardless of case.
   * @example 'aaron@example.com'
   */
  @Transform(trimString)
  @IsEmail()
  @MaxLength(254)
  email: string;

  /**
   * @example 'Forecasting Lab'
   */
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  organization?: string;

  /**
   * @example 'data-scientist'
   */
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  role?: string;

  /**
   * Free-form string attributes: at most 50 keys (a letter first, then letters, digits, `_`, `-`; up to 64 characters), values up to 1024 characters.
   * @example { "team": "energy", "timezone": "Europe/Berlin" }
   */
  @IsOptional()
  @IsFlatStringMap(ATTRIBUTE_LIMITS)
  attributes?: Record<string, string>;
}
