import { applyDecorators, BadRequestException } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { fieldError } from '../../../common/errors/field-error';
import { decimalInteger } from '../../../common/validation/transforms';
import type { VersionPin } from '../../store/version-pin';

/** A tag name: a letter or digit first, then letters, digits, `.`, `_` or `-` (at most 100). */
export const TAG_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const TAG_NAME_MESSAGE = 'must start with a letter or digit and hold only letters, digits, ".", "_" and "-" (at most 100)';
export const MAX_VERSION = 1_000_000_000;

/** A version number: 1, 2, 3… (`fromQuery`: given as decimal digits in a query string; in a body, a JSON number). */
export const IsVersionNumber = (fromQuery = false): PropertyDecorator =>
  applyDecorators(
    ...(fromQuery ? [Transform(decimalInteger)] : []),
    IsInt({ message: 'version must be a whole number: 1, 2, 3…' }),
    Min(1),
    Max(MAX_VERSION),
    ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_VERSION }),
  );

export const IsTagName = (property = 'tag'): PropertyDecorator =>
  applyDecorators(
    Matches(TAG_NAME_PATTERN, { message: `${property} ${TAG_NAME_MESSAGE}` }),
    ApiProperty({ type: 'string', pattern: TAG_NAME_PATTERN.source }),
  );

/** `version` or `tag` of a read: which sealed version to serve (the live points without either). */
export class VersionPinQueryDto {
  /**
   * Read this sealed version instead of the live points.
   * @example 1
   */
  @IsOptional()
  @IsVersionNumber(true)
  version?: number;

  /**
   * Read the version this tag points at (not with `version`).
   */
  // No example: beside `version`'s it would make the document's example request a 400.
  @IsOptional()
  @IsTagName()
  tag?: string;
}

/** The pin of a validated query; `version` and `tag` together are a 400. */
export function pinOf(query: VersionPinQueryDto): VersionPin {
  if (query.version !== undefined && query.tag !== undefined) {
    throw new BadRequestException(fieldError('tag', 'give version or tag, not both', 'tag goes without version'));
  }
  return { version: query.version, tag: query.tag };
}
