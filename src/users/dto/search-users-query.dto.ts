import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CreatedRangeQueryDto } from '../../common/validation/time-range.dto';
import { trimString } from '../../common/validation/transforms';

export const USER_SORTS = ['createdAt', 'name'] as const;
export type UserSort = (typeof USER_SORTS)[number];

class UserFiltersDto {
  /** Case-insensitive substring of the name. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  /** E-mail, compared case-insensitively. */
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  email?: string;

  /** Exact organization. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  organization?: string;

  /** Exact role. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  role?: string;

  /** Sort key; ties are broken by id. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(USER_SORTS)
  sort: UserSort = 'createdAt';
}

export class SearchUsersQueryDto extends IntersectionType(UserFiltersDto, CreatedRangeQueryDto, PageQueryDto) {}
