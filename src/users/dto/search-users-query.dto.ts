import { IsIn, IsOptional } from 'class-validator';
import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CreatedRangeQueryDto } from '../../common/validation/time-range.dto';
import { IsText } from '../../common/validation/text';

export const USER_SORTS = ['createdAt', 'name'] as const;
export type UserSort = (typeof USER_SORTS)[number];

class UserFiltersDto {
  /** Case-insensitive substring of the name. */
  @IsOptional()
  @IsText({ kind: 'line', maxLength: 200 })
  name?: string;

  /** E-mail, compared case-insensitively. */
  @IsOptional()
  @IsText({ kind: 'line', maxLength: 254 })
  email?: string;

  /** Exact organization. */
  @IsOptional()
  @IsText({ kind: 'line', maxLength: 200 })
  organization?: string;

  /** Exact role. */
  @IsOptional()
  @IsText({ kind: 'line', maxLength: 100 })
  role?: string;

  /** Sort key; ties are broken by id. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(USER_SORTS)
  sort: UserSort = 'createdAt';
}

export class SearchUsersQueryDto extends IntersectionType(UserFiltersDto, CreatedRangeQueryDto, PageQueryDto) {}
