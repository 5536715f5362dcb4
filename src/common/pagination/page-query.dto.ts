import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { decimalInteger } from '../validation/transforms';
import { SortOrder } from './cursor';

export const MAX_PAGE_SIZE = 200;

/** Paging and ordering shared by every list route. */
export class PageQueryDto {
  /**
   * Items per page.
   * @example 50
   */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Transform(decimalInteger)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 50;

  /** `nextCursor` of the previous page; omit for the first page. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  /** Sort direction. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: SortOrder = 'asc';
}
