import { ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { decimalInteger } from '../../../common/validation/transforms';
import { RecordsQueryDto, RecordsRangeDto } from '../../api/dto/records-query.dto';
import { VersionPinQueryDto } from '../../api/dto/version-pin.dto';

export const CHART_WIDTH = { min: 200, max: 4000, default: 960 } as const;
export const CHART_HEIGHT = { min: 120, max: 3000, default: 400 } as const;

/** A chart: the range, fields and version of a records read, and the picture's size. */
export class ChartQueryDto extends IntersectionType(RecordsRangeDto, VersionPinQueryDto, PickType(RecordsQueryDto, ['fields'] as const)) {
  /**
   * Width of the SVG in pixels; the points are downsampled to it (one interval per pixel of the plot area).
   * @example 960
   */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Transform(decimalInteger)
  @IsInt()
  @Min(CHART_WIDTH.min)
  @Max(CHART_WIDTH.max)
  width: number = CHART_WIDTH.default;

  /**
   * Height of the SVG in pixels.
   * @example 400
   */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Transform(decimalInteger)
  @IsInt()
  @Min(CHART_HEIGHT.min)
  @Max(CHART_HEIGHT.max)
  height: number = CHART_HEIGHT.default;
}
