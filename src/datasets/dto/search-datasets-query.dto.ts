import { ApiPropertyOptional, IntersectionType, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsObjectIdString } from '../../common/validation/is-object-id';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CreatedRangeQueryDto } from '../../common/validation/time-range.dto';
import { commaSeparatedList } from '../../common/validation/transforms';
import { IsFrequency, IsTagEach, MAX_TAGS } from './create-dataset.dto';

export const DATASET_SORTS = ['createdAt', 'name', 'seq'] as const;
export type DatasetSort = (typeof DATASET_SORTS)[number];

class DatasetFiltersDto {
  /** Only this user's datasets. */
  @IsOptional()
  @IsObjectIdString()
  ownerId?: string;

  /** Case-insensitive substring of the name. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  /**
   * Tags, comma-separated or repeated; see `tagMatch`.
   * @example 'energy,household'
   */
  @IsOptional()
  @Transform(commaSeparatedList)
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
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  q?: string;

  /** Sort key; ties are broken by id. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(DATASET_SORTS)
  sort: DatasetSort = 'createdAt';
}

export class SearchDatasetsQueryDto extends IntersectionType(DatasetFiltersDto, CreatedRangeQueryDto, PageQueryDto) {}

/** The same search within one user's datasets (`GET /users/:id/datasets`). */
export class OwnedDatasetsQueryDto extends OmitType(SearchDatasetsQueryDto, ['ownerId'] as const) {}
