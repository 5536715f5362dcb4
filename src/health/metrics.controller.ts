import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Access } from '../access/access.decorator';
import { ApiErrorResponse } from '../common/swagger/api-error-responses.decorator';
import { RegistryMetrics } from '../metrics/registry-metrics';

const EXPOSITION = 'text/plain; version=0.0.4; charset=utf-8';

// Scraped every few seconds by Prometheus: never rate limited.
@SkipThrottle()
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: RegistryMetrics) {}

  @Get()
  @Access('admin')
  @Header('Content-Type', EXPOSITION)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of this instance',
    description:
      'The Prometheus text exposition format (0.0.4): HTTP requests, the outbox, the consumers and their lag, the archive, records, authentication failures, rate limiting, and the Node process. Admin only: scrape with an admin API token (`bearer_token_file`). A 404 when METRICS_ENABLED=false. See README, "Operating it".',
  })
  @ApiProduces(EXPOSITION)
  @ApiOkResponse({ description: 'The metrics, one sample per line.', content: { [EXPOSITION]: { schema: { type: 'string' } } } })
  @ApiErrorResponse(404, 'Metrics are off (METRICS_ENABLED=false).')
  async scrapeMetrics(): Promise<string> {
    return this.metrics.scrape();
  }
}
