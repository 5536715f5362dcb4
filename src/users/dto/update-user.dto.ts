import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { IsFlatStringMap } from '../../common/validation/flat-string-map.validator';
import { isPresent, trimString } from '../../common/validation/transforms';
import { ATTRIBUTE_LIMITS } from './create-user.dto';

/**
 * Fields to change; absent fields stay as they are. `null` clears an
 * optional field (`organization`, `role`); `attributes` replaces the whole map.
 */
export class UpdateUserDto {
  /** @example 'Aaron B.' */
  @ValidateIf(isPresent)
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  /** @example 'aaron.b@example.com' */
  @ValidateIf(isPresent)
  @Transform(trimString)
  @IsEmail()
  @MaxLength(254)
  email?: string;

  /** @example 'Forecasting Lab' */
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  organization?: string | null;

  /** @example 'ml-engineer' */
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  role?: string | null;

  /** @example { "team": "energy" } */
  @ValidateIf(isPresent)
  @IsFlatStringMap(ATTRIBUTE_LIMITS)
  attributes?: Record<string, string>;
}
