import { IntersectionType, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsMongoId, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CreatedRangeQueryDto } from '../../common/validation/time-range.dto';
import { commaSeparatedList } from '../../common/validation/transforms';
import { FREQUENCY_PATTERN, MAX_TAGS } from './create-dataset.dto';

export const DATASET_SORTS = ['createdAt', 'name', 'seq'] as const;
export type DatasetSort = (typeof DATASET_SORTS)[number];

class DatasetFiltersDto {
  /** Only this user's datasets. */
  @IsOptional()
  @IsMongoId({ message: 'ownerId must be a 24-character hexadecimal id' })
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
  @Matches(/^[\w.:/-]{1,64}$/, { each: true, message: 'each tag must be 1-64 letters, digits, "_", "-", ".", ":" or "/"' })
  tags?: string[];

  /** `all`: datasets carrying every tag given; `any`: at least one of them. */
  @IsOptional()
  @IsIn(['all', 'any'])
  tagMatch: 'all' | 'any' = 'all';

  /** @example '1m' */
  @IsOptional()
  @Matches(FREQUENCY_PATTERN, { message: 'frequency must be a positive number and a unit: ms, s, m, h, d or w (e.g. 1m, 15m, 1h, 1d)' })
  frequency?: string;

  /** Case-insensitive substring of the name or the description. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  q?: string;

  /** Sort key; ties are broken by id. */
  @IsOptional()
  @IsIn(DATASET_SORTS)
  sort: DatasetSort = 'createdAt';
}

export class SearchDatasetsQueryDto extends IntersectionType(DatasetFiltersDto, CreatedRangeQueryDto, PageQueryDto) {}

/** The same search within one user's datasets (`GET /users/:id/datasets`). */
export class OwnedDatasetsQueryDto extends OmitType(SearchDatasetsQueryDto, ['ownerId'] as const) {}
