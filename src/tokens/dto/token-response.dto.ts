import { ApiProperty } from '@nestjs/swagger';
import { SCOPES, Scope } from '../../access/principal';
import { ApiToken } from '../schemas/api-token.schema';

/** An API token as listed: never its secret. */
export class TokenResponseDto {
  /** @example '3f9a1c0e5b7d2468' */
  id: string;

  /**
   * The token's first characters, to recognise it (`dsr_<id>`); the rest is secret.
   * @example 'dsr_3f9a1c0e5b7d2468'
   */
  prefix: string;

  /** @example 'training job power-forecast' */
  name: string;

  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...SCOPES] }, example: ['read'] })
  scopes: Scope[];

  /** Datasets the token is limited to; absent: no limit. */
  datasetIds?: string[];

  expiresAt?: Date;

  createdAt: Date;

  /** Last use, to the minute; absent: never used. */
  lastUsedAt?: Date;
}

/** A token just made: the only time its secret is shown. */
export class CreatedTokenResponseDto extends TokenResponseDto {
  /**
   * The token itself: send it as `Authorization: Bearer <token>`. It is not stored and cannot be shown again.
   * @example 'dsr_3f9a1c0e5b7d2468_2hQ0uVJ3mJ8rKc1nV1oX2bq3e7d9m0p4s6t8w1y3z5A'
   */
  token: string;
}

export class TokenListDto {
  items: TokenResponseDto[];
}

export function toTokenResponse(token: ApiToken): TokenResponseDto {
  const response: TokenResponseDto = {
    id: token._id,
    prefix: `dsr_${token._id}`,
    name: token.name,
    scopes: token.scopes,
    createdAt: token.createdAt,
  };
  if (token.datasetIds) response.datasetIds = token.datasetIds;
  if (token.expiresAt) response.expiresAt = token.expiresAt;
  if (token.lastUsedAt) response.lastUsedAt = token.lastUsedAt;
  return response;
}
