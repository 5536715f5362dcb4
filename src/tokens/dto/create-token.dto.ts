import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import { SCOPES, Scope } from '../../access/principal';
import { IsDateTime } from '../../common/validation/date-time';
import { IsText, OBJECT_ID_PATTERN } from '../../common/validation/text';

export const MAX_TOKEN_DATASETS = 100;

/** A new API token of a user. */
export class CreateTokenDto {
  /**
   * What the token is for, e.g. the job that uses it.
   * @example 'training job power-forecast'
   */
  @IsText({ kind: 'label', maxLength: 100 })
  name: string;

  /**
   * `read`, `write` (includes read) and `admin` (includes both; admin users only). At most what the caller's own credential holds.
   * @example ['read']
   */
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...SCOPES] }, minItems: 1, maxItems: SCOPES.length, uniqueItems: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes: Scope[];

  /**
   * When the token stops working (RFC 3339, in the future). Without it the token works until revoked.
   * @example '2027-01-01T00:00:00Z'
   */
  @IsOptional()
  @IsDateTime()
  expiresAt?: string | null;

  /**
   * Limits the token to these datasets: it reads (and, with `write`, changes) only them; every other dataset is as good as absent to it.
   * @example ['6650c0ffee0000000000d001']
   */
  @IsOptional()
  @ApiProperty({ type: 'array', items: { type: 'string', pattern: OBJECT_ID_PATTERN }, maxItems: MAX_TOKEN_DATASETS, uniqueItems: true })
  @IsArray()
  @ArrayMaxSize(MAX_TOKEN_DATASETS)
  @ArrayUnique()
  @Matches(new RegExp(OBJECT_ID_PATTERN), { each: true, message: 'each of datasetIds must be a 24-character hexadecimal id' })
  datasetIds?: string[] | null;
}
