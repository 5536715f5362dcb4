import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

export class RecordsWriteResultDto {
  /** @example '6650c0ffee0000000000d001' */
  datasetId: string;

  /**
   * Points written (appended or replaced), or deleted.
   * @example 1440
   */
  count: number;

  /**
   * Earliest timestamp written or deleted.
   * @example '2026-11-27T00:00:00.000Z'
   */
  from?: string;

  /**
   * Latest timestamp written or deleted.
   * @example '2026-11-27T23:59:00.000Z'
   */
  to?: string;

  /**
   * Points the dataset holds now.
   * @example 1440
   */
  totalPoints: number;
}

export class FieldStatsDto {
  /** Points with a value for the field. */
  count: number;

  /** Numeric fields only. */
  min?: number;
  max?: number;
  mean?: number;
}

export class RecordsStatsDto {
  datasetId: string;

  /** The sealed version these are the statistics of, or `live`. */
  @ApiProperty({
    oneOf: [
      { type: 'integer', minimum: 1 },
      { type: 'string', enum: ['live'] },
    ],
    example: 'live',
  })
  version: number | 'live';

  /** The version's content digest (absent for the live points). */
  @ApiProperty({ required: false, pattern: '^sha256:[0-9a-f]{64}$' })
  digest?: string;

  /** @example 1440 */
  count: number;

  /** @example '2026-11-27T00:00:00.000Z' */
  first?: string;

  /** @example '2026-11-27T23:59:00.000Z' */
  last?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(FieldStatsDto) },
    example: { kw: { count: 1440, min: 0.2, max: 4.1, mean: 1.3 } },
  })
  fields: Record<string, FieldStatsDto>;
}

export class RecordsPageDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Points in time order: `timestamp` (ISO 8601) and one property per field.',
    example: [{ timestamp: '2026-11-27T00:00:00.000Z', kw: 1.21 }],
  })
  items: Record<string, unknown>[];

  /** Pass as `cursor` to get the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor: string | null;
}
