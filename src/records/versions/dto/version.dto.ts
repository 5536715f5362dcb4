import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsOptional, ValidateNested } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { IsObjectIdString, IsText } from '../../../common/validation/text';
import { DatasetFieldResponseDto } from '../../../datasets/dto/dataset-response.dto';
import { FieldStatsDto } from '../../api/dto/records-response.dto';
import { IsVersionNumber } from '../../api/dto/version-pin.dto';

export const MAX_DERIVED_FROM = 100;

/** A dataset and version another version was made from. */
export class VersionSourceDto {
  /** @example '6650c0ffee0000000000d001' */
  @IsObjectIdString()
  datasetId: string;

  /** @example 2 */
  @IsVersionNumber()
  version: number;
}

export class CreateVersionDto {
  /**
   * What this version is (like a commit message).
   * @example 'November training set, outliers removed'
   */
  @IsOptional()
  @IsText({ kind: 'multiline', maxLength: 4000, minLength: 0 })
  message?: string | null;

  /** Lineage: the versions (of this or other datasets the caller may read) this one was made from. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_DERIVED_FROM)
  @ValidateNested({ each: true })
  @Type(() => VersionSourceDto)
  @ApiProperty({ type: () => [VersionSourceDto], maxItems: MAX_DERIVED_FROM })
  derivedFrom?: VersionSourceDto[] | null;

  /**
   * How it was made from `derivedFrom`, free-form (a script, a commit, parameters).
   * @example 'clean.py@4f2a1c: drop |z| > 4, resample 1m'
   */
  @IsOptional()
  @IsText({ kind: 'multiline', maxLength: 10000, minLength: 0 })
  transform?: string | null;
}

/** A sealed version: immutable, with the digest of its points. */
export class VersionResponseDto {
  /** @example '6650c0ffee0000000000d001' */
  datasetId: string;

  /** @example 3 */
  version: number;

  /**
   * SHA-256 over the canonical encoding of the field schema and points (docs/versions.md).
   * @example 'sha256:9f2c4e0b7d1a3c5e7f9b2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c'
   */
  @ApiProperty({ pattern: '^sha256:[0-9a-f]{64}$' })
  digest: string;

  /** @example 1440 */
  count: number;

  /** @example '2026-11-27T00:00:00.000Z' */
  first?: string;

  /** @example '2026-11-27T23:59:00.000Z' */
  last?: string;

  /** The field schema the points were sealed with. */
  fields: DatasetFieldResponseDto[];

  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(FieldStatsDto) } })
  stats: Record<string, FieldStatsDto>;

  /** The tags pointing at it. */
  tags: string[];

  /** @example '6650c0ffee0000000000a001' */
  createdBy: string;

  createdAt: string;

  message?: string;

  derivedFrom?: VersionSourceDto[];

  transform?: string;
}

export class VersionPageDto {
  items: VersionResponseDto[];

  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}

/** Versions by number (`order=desc`: newest first). */
export class VersionsQueryDto extends PageQueryDto {}

export class SetTagDto {
  /** @example 1 */
  @IsVersionNumber()
  version: number;

  /** Move a tag that points at another version (owner or admin only); without it that is a 409. */
  @IsOptional()
  @IsBoolean()
  force?: boolean | null;
}

export class TagResponseDto {
  /** @example '6650c0ffee0000000000d001' */
  datasetId: string;

  /** @example 'train-2026-11' */
  name: string;

  /** @example 3 */
  version: number;

  /** The digest of the version it points at. */
  @ApiProperty({ pattern: '^sha256:[0-9a-f]{64}$' })
  digest: string;

  /** @example '6650c0ffee0000000000a001' */
  createdBy: string;

  createdAt: string;
}
