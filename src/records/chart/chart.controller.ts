import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, CurrentPrincipal } from '../../access/access.decorator';
import { Principal } from '../../access/principal';
import { ApiErrorResponses } from '../../common/swagger/api-error-responses.decorator';
import { ApiDatasetRefParam } from '../../common/swagger/api-params';
import { DatasetRef } from '../../datasets/datasets.service';
import { ParseDatasetRefPipe } from '../../datasets/parse-dataset-ref.pipe';
import { rangeOf } from '../api/dto/records-query.dto';
import { SERVED_HEADERS, setServedHeaders } from '../export/served-headers';
import { pinOf } from '../api/dto/version-pin.dto';
import { ChartService } from './chart.service';
import { ChartQueryDto } from './dto/chart-query.dto';

@ApiTags('records')
@Controller('datasets/:id')
export class ChartController {
  constructor(private readonly chartService: ChartService) {}

  @Get('chart.svg')
  @Access('read')
  @ApiDatasetRefParam()
  @ApiOperation({
    summary: "A line chart of a dataset's series (SVG)",
    description:
      'Drawn on the server from the same read as `GET /datasets/{id}/records` (the same access rules, range [from, to), `fields`, `version` or `tag`): one line per number field, one colour each with a legend, a value axis per unit (a field without a unit has its own), a UTC time axis, and a title naming the dataset and the version shown. The points are downsampled to the width: one interval per pixel, drawn as its mean, with a band from its minimum to its maximum where a pixel holds several points, so spikes stay visible. Without `from`/`to` the whole series is shown. An empty range gives a chart that says "no points". A pinned version\'s chart carries an `ETag` (and `Cache-Control`) and answers `If-None-Match` with 304.',
  })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag of a pinned chart held by the client.' })
  @ApiProduces('image/svg+xml')
  @ApiOkResponse({
    description: 'The chart, a standalone SVG document.',
    headers: {
      ...SERVED_HEADERS,
      ETag: { description: 'For a pinned version (`version` or `tag`): the identity of this chart.', schema: { type: 'string' } },
      'Cache-Control': {
        description: '`private, max-age=86400` for a version, `private, no-cache` otherwise.',
        schema: { type: 'string' },
      },
    },
    content: { 'image/svg+xml': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 304, description: 'Not modified: If-None-Match names the ETag of this pinned chart.' })
  @ApiErrorResponses(400, 404)
  async getChart(
    @Param('id', ParseDatasetRefPipe) ref: DatasetRef,
    @Query() query: ChartQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    const request = { ...rangeOf(query), fields: query.fields, pin: pinOf(query), width: query.width, height: query.height };
    const chart = await this.chartService.render(ref, request, principal, ifNoneMatch);
    setServedHeaders(response, chart.served);
    response.setHeader('Cache-Control', chart.cacheControl);
    if (chart.etag) response.setHeader('ETag', chart.etag);
    if (chart.svg === undefined) {
      response.status(304).end();
      return;
    }
    response.status(200).type('image/svg+xml').send(chart.svg);
  }
}
