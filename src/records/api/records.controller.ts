import {
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiRequestMediaSchemas } from '../../common/swagger/request-media-schemas';
import type { Request, Response } from 'express';
import { Access, CurrentPrincipal } from '../../access/access.decorator';
import { Principal } from '../../access/principal';
import { ApiDatasetRefParam } from '../../common/swagger/api-params';
import { ApiErrorResponses } from '../../common/swagger/api-error-responses.decorator';
import { DatasetRef } from '../../datasets/datasets.service';
import { ParseDatasetRefPipe } from '../../datasets/parse-dataset-ref.pipe';
import { RecordsQueryDto, RecordsRangeDto, everyMs, rangeOf } from './dto/records-query.dto';
import { FieldStatsDto, RecordsPageDto, RecordsStatsDto, RecordsWriteResultDto } from './dto/records-response.dto';
import { COLUMNAR_MEDIA_TYPES } from '../export/columnar-export';
import { decodeRecordsCursor, sendRecords } from '../export/record-export';
import { RecordFormat } from '../ingest/record-parsers';
import { MAX_STRING_BYTES } from '../ingest/record-values';
import { RecordsService } from '../records.service';
import { SERVED_HEADERS, setServedHeaders } from '../export/served-headers';
import { pinOf, VersionPinQueryDto } from './dto/version-pin.dto';

const DATASET_REF = ApiDatasetRefParam();
const MEDIA_TYPES: Record<string, RecordFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
};

@ApiTags('records')
@ApiExtraModels(FieldStatsDto, RecordsPageDto)
@Controller('datasets/:id')
export class RecordsController {
  constructor(private readonly recordsService: RecordsService) {}

  @Post('records')
  @Access('write')
  @HttpCode(HttpStatus.OK)
  @DATASET_REF
  @ApiOperation({
    summary: "Append points to a dataset's records",
    description: `A JSON array, NDJSON, or CSV with a header row (\`timestamp\` and field names), in UTF-8. Each point has a \`timestamp\` (ISO 8601 with a zone, or epoch milliseconds) and values of the declared types (null for none). A string value holds at most ${MAX_STRING_BYTES} bytes (64 KiB) of UTF-8 and no control characters but TAB, LF and CR; keys that are not declared fields (\`__proto__\` included) are refused. All or nothing: one bad row (or invalid UTF-8) and the answer is 400 listing the first bad rows and fields, and nothing is stored. A point whose timestamp exists already replaces it, so retrying an upload never duplicates data. The body is streamed.`,
  })
  @ApiRequestMediaSchemas(
    {
      'application/json': {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['timestamp'],
          properties: {
            timestamp: {
              anyOf: [
                { type: 'string', format: 'date-time' },
                // Epoch milliseconds within the years 0000-9999.
                { type: 'integer', minimum: -62167219200000, maximum: 253402300799999 },
              ],
            },
          },
          additionalProperties: true,
        },
      },
      'application/x-ndjson': { type: 'string', description: 'One JSON point per line, as in the application/json array.' },
      'text/csv': { type: 'string', description: 'A header row (`timestamp` and field names), then one point per line.' },
    },
    {
      json: {
        value: [
          { timestamp: '2026-11-27T00:00:00Z', kw: 1.21 },
          { timestamp: 1795737660000, kw: 1.19 },
        ],
      },
    },
  )
  @ApiOkResponse({ type: RecordsWriteResultDto })
  @ApiErrorResponses(400, 403, 404, 413, 415)
  appendRecords(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Req() request: Request,
    @Headers('content-type') contentType: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RecordsWriteResultDto> {
    return this.recordsService.append(ref, request, formatOf(contentType), principal);
  }

  @Get('records')
  @Access('read')
  @DATASET_REF
  @ApiOperation({
    summary: "Read a dataset's points",
    description:
      'Points in time order within [from, to): the live points, or with `version` or `tag` a sealed version (as it was sealed, whatever happened since; headers `X-Dataset-Version` and `X-Dataset-Digest` name what was served). `format=json` pages with `limit`/`cursor`; `format=ndjson`, `csv`, `parquet` or `arrow` (Arrow IPC stream) streams the whole range (for training jobs): a complete export ends with a clean end of the chunked body (text ones with a newline), one that broke off is cut off (the client sees a premature close). Parquet and Arrow have a `timestamp` column (UTC milliseconds) and one per field (number → float64, string → utf8, boolean → bool; with `agg=count` int64, with `avg`/`min`/`max`/`sum` float64), nulls kept, units in the field metadata (`unit`), in record batches / row groups of up to 65,536 rows. CSV values are exported unaltered, also those starting with `=`, `+`, `-` or `@`. `every` (at most `3650000d`) with `agg` downsamples server-side into intervals aligned on the epoch.',
  })
  @ApiProduces('application/json', 'application/x-ndjson', 'text/csv', COLUMNAR_MEDIA_TYPES.parquet, COLUMNAR_MEDIA_TYPES.arrow)
  @ApiOkResponse({
    description: 'A page of points (format=json), or a streamed export.',
    headers: SERVED_HEADERS,
    content: {
      'application/json': { schema: { $ref: getSchemaPath(RecordsPageDto) } },
      'application/x-ndjson': { schema: { type: 'string' } },
      'text/csv': { schema: { type: 'string' } },
      [COLUMNAR_MEDIA_TYPES.parquet]: { schema: { type: 'string', format: 'binary' } },
      [COLUMNAR_MEDIA_TYPES.arrow]: { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiErrorResponses(400, 404)
  async readRecords(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Query() query: RecordsQueryDto,
    @Req() request: Request,
    @Res() response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const every = everyMs(query);
    const after = query.cursor === undefined ? undefined : decodeRecordsCursor(query.cursor);
    const wanted = { ...rangeOf(query), after, fields: query.fields, every, agg: query.agg, pin: pinOf(query), format: query.format };
    const plan = await this.recordsService.read(ref, wanted, principal);
    setServedHeaders(response, plan.served);
    await sendRecords(request, response, plan, query.format, query.limit, every);
  }

  @Delete('records')
  @Access('write')
  @DATASET_REF
  @ApiOperation({ summary: 'Delete the points in [from, to)', description: 'Without `from`/`to` the range is unbounded on that side.' })
  @ApiOkResponse({ type: RecordsWriteResultDto })
  @ApiErrorResponses(400, 403, 404)
  deleteRecords(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Query() query: RecordsRangeDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RecordsWriteResultDto> {
    const { from, to } = rangeOf(query);
    return this.recordsService.deleteRange(ref, from ?? -Infinity, to ?? Infinity, principal);
  }

  @Get('stats')
  @Access('read')
  @DATASET_REF
  @ApiOperation({
    summary: "Statistics of a dataset's points",
    description:
      'Count, first and last timestamp, and per field count, min, max and mean — from the bucket summaries, without reading points. Of the live points, or with `version` or `tag` of a sealed version.',
  })
  @ApiOkResponse({ type: RecordsStatsDto, headers: SERVED_HEADERS })
  @ApiErrorResponses(400, 404)
  async getRecordStats(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Query() query: VersionPinQueryDto,
    @Res({ passthrough: true }) response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RecordsStatsDto> {
    const stats = await this.recordsService.stats(ref, pinOf(query), principal);
    setServedHeaders(response, stats);
    return stats;
  }
}

function formatOf(contentType: string | undefined): RecordFormat {
  const format = MEDIA_TYPES[(contentType ?? '').split(';')[0].trim().toLowerCase()];
  if (!format) throw new UnsupportedMediaTypeException('send points as application/json, application/x-ndjson or text/csv');
  return format;
}
