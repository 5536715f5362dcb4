import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional } from 'class-validator';
import { IsObjectIdString, IsText } from '../../common/validation/text';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CreatedRangeQueryDto } from '../../common/validation/time-range.dto';
import { commaSeparatedList, queryBoolean } from '../../common/validation/transforms';
import { IsFrequency, IsTagEach, MAX_TAGS, TAG_PATTERN } from './create-dataset.dto';

export const DATASET_SORTS = ['createdAt', 'name', 'seq'] as const;
export type DatasetSort = (typeof DATASET_SORTS)[number];

class DatasetFiltersDto {
  /** Only this user's datasets. */
  @IsOptional()
  @IsObjectIdString()
  ownerId?: string;

  /** Case-insensitive substring of the name. */
  @IsOptional()
  @IsText({ kind: 'line', maxLength: 200 })
  name?: string;

  /**
   * Tags, comma-separated or repeated; see `tagMatch`.
   * @example 'energy,household'
   */
  @IsOptional()
  @Transform(commaSeparatedList)
  @ApiProperty({ type: 'array', items: { type: 'string', pattern: TAG_PATTERN.source }, maxItems: MAX_TAGS })
  @IsArray()
  @ArrayMaxSize(MAX_TAGS)
  @IsTagEach()
  tags?: string[];

  /** `all`: datasets carrying every tag given; `any`: at least one of them. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(['all', 'any'])
  tagMatch: 'all' | 'any' = 'all';

  /** @example '1m' */
  @IsOptional()
  @IsFrequency()
  frequency?: string;

  /** Case-insensitive substring of the name or the description. */
  @IsOptional()
  @IsText({ kind: 'line', maxLength: 200 })
  q?: string;

  /**
   * `true`: the caller's trash instead — the datasets they deleted that are still restorable, with
   * `trashedAt` and `purgeAt` (an admin's: everyone's; grants and `internal` visibility do not open
   * anyone else's trash). The other filters apply the same.
   */
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean({ message: 'trashed must be true or false' })
  trashed?: boolean;

  /** Sort key; ties are broken by id. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(DATASET_SORTS)
  sort: DatasetSort = 'createdAt';
}

export class SearchDatasetsQueryDto extends IntersectionType(DatasetFiltersDto, CreatedRangeQueryDto, PageQueryDto) {}

/** The same search within one user's (live) datasets (`GET /users/:id/datasets`). */
export class OwnedDatasetsQueryDto extends OmitType(SearchDatasetsQueryDto, ['ownerId', 'trashed'] as const) {}
