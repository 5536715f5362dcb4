import { BadRequestException } from '@nestjs/common';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayUnique,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import { parseDateTime } from '../../../common/validation/date-time';
import { isInstantInRange } from '../../../common/validation/instants';
import { commaSeparatedList, decimalInteger } from '../../../common/validation/transforms';
import { durationMs, MAX_EVERY, MAX_EVERY_MS } from '../../store/buckets';
import { AGGREGATIONS, Aggregation } from '../../downsampler';
import { COLUMNAR_FORMATS } from '../../export/columnar-export';
import { RECORD_FORMATS } from '../../ingest/record-parsers';
import { fieldError } from '../../../common/errors/field-error';
import { VersionPinQueryDto } from './version-pin.dto';

const INSTANT_MESSAGE = 'must be an RFC 3339 date-time with a zone or epoch milliseconds (at most 14 digits), in the years 0000 to 9999';
/** Epoch milliseconds as the document states them: every such number lies in the years 0000–9999. */
const EPOCH_MS_PATTERN = '^(?:0|[1-9][0-9]{0,13}|-[1-9][0-9]{0,12})$';

/** Epoch milliseconds of a range bound (validated): RFC 3339, or epoch milliseconds. */
export function parseRangeInstant(text: string): number {
  return new RegExp(EPOCH_MS_PATTERN).test(text) ? Number(text) : parseDateTime(text);
}

/** An instant given as an RFC 3339 date-time (of a day that exists) or as epoch milliseconds. */
const IsInstant = (): PropertyDecorator =>
  applyDecorators(
    ValidateBy({
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isInstantInRange(parseRangeInstant(value)),
        defaultMessage: (args) => `${args?.property} ${INSTANT_MESSAGE}`,
      },
    }),
    ApiProperty({
      anyOf: [
        { type: 'string', format: 'date-time' },
        { type: 'string', pattern: EPOCH_MS_PATTERN },
      ],
    }),
  );

/** What a read may answer with: the formats points are uploaded in, and the columnar ones. */
export const READ_FORMATS = [...RECORD_FORMATS, ...COLUMNAR_FORMATS] as const;
export type ReadFormat = (typeof READ_FORMATS)[number];

const EVERY_PATTERN = /^[1-9][0-9]{0,8}(ms|s|m|h|d|w)$/;

export class RecordsRangeDto {
  /**
   * Start of the range, inclusive: ISO 8601 with a zone, or epoch milliseconds.
   * @example '2026-11-27T00:00:00Z'
   */
  @IsOptional()
  @IsInstant()
  from?: string;

  /**
   * End of the range, exclusive.
   * @example '2026-11-28T00:00:00Z'
   */
  @IsOptional()
  @IsInstant()
  to?: string;
}

/** A read: its range, the sealed version (or tag) to read instead of the live points, and how to answer. */
export class RecordsQueryDto extends IntersectionType(RecordsRangeDto, VersionPinQueryDto) {
  /**
   * Fields to return, comma-separated, in that order (all by default).
   * @example 'kw,voltage'
   */
  @IsOptional()
  @Transform(commaSeparatedList)
  @ApiProperty({ type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true })
  @IsString({ each: true })
  @IsNotEmpty({ each: true, message: 'fields must not hold an empty name' })
  @ArrayUnique({ message: 'fields must not name a field twice' })
  fields?: string[];

  /**
   * `json` (paged), or a streamed export of the whole range: `ndjson`, `csv`, `parquet` (application/vnd.apache.parquet) or
   * `arrow` (an Arrow IPC stream, application/vnd.apache.arrow.stream).
   */
  @ApiPropertyOptional()
  @IsOptional()
  @IsIn(READ_FORMATS)
  format: ReadFormat = 'json';

  /**
   * Points (or intervals) per JSON page.
   * @example 1000
   */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Transform(decimalInteger)
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit: number = 1000;

  /** `nextCursor` of the previous JSON page. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  cursor?: string;

  /**
   * Downsample into intervals of this length (with `agg`), e.g. `1h`; at most `3650000d` (about 10,000 years, the span of the
   * years 0000–9999 timestamps may have). Intervals are aligned on the epoch; one that would begin before 0000-01-01 is
   * reported as beginning there.
   * @example '1h'
   */
  @IsOptional()
  @ApiProperty({ type: 'string', pattern: EVERY_PATTERN.source })
  @Matches(EVERY_PATTERN, { message: 'every must be a positive number and a unit: ms, s, m, h, d or w (e.g. 15m)' })
  @ValidateBy({
    name: 'isEveryWithinRange',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || (durationMs(value) ?? 0) <= MAX_EVERY_MS,
      defaultMessage: () => `every must be at most ${MAX_EVERY} (about 10,000 years: the span of the years 0000 to 9999)`,
    },
  })
  every?: string;

  /**
   * What each interval holds, per field; required with `every`.
   * @example 'avg'
   */
  @ValidateIf((query: RecordsQueryDto) => query.every !== undefined || query.agg !== undefined)
  @IsIn(AGGREGATIONS, { message: `agg must be one of ${AGGREGATIONS.join(', ')} and goes with every` })
  agg?: Aggregation;
}

/** The numeric range of a validated query; 400 when `to` is not after `from`. */
export function rangeOf(query: RecordsRangeDto): { from?: number; to?: number } {
  const from = query.from === undefined ? undefined : parseRangeInstant(query.from);
  const to = query.to === undefined ? undefined : parseRangeInstant(query.to);
  if (from !== undefined && to !== undefined && to <= from) {
    throw new BadRequestException(fieldError('to', 'to must be after from'));
  }
  return { from, to };
}

export function everyMs(query: RecordsQueryDto): number | undefined {
  if (query.every !== undefined && query.agg === undefined) {
    throw new BadRequestException(fieldError('agg', 'every goes with agg', 'agg is required with every'));
  }
  if (query.agg !== undefined && query.every === undefined) {
    throw new BadRequestException(fieldError('every', 'agg goes with every', 'every is required with agg'));
  }
  return query.every === undefined ? undefined : durationMs(query.every);
}
