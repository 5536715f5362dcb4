import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Access } from '../auth/access.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ArchiveHealthIndicator } from './archive.health';
import { KafkaHealthIndicator } from './kafka.health';
import { HealthResponseDto } from './health-response.dto';

// Probes from orchestrators and load balancers must never be rate limited.
@SkipThrottle()
@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly mongo: MongooseHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    private readonly archive: ArchiveHealthIndicator,
  ) {}

  @Get()
  @Access('public')
  @ApiOperation({
    summary: 'Reachability of MongoDB, Kafka and (when enabled) the archive storage',
    description: 'Needs no credentials (probes from orchestrators).',
  })
  @ApiOkResponse({ type: HealthResponseDto, description: 'Every dependency answers.' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'At least one dependency is down; `message` names it, `details` has each status.',
  })
  async check(): Promise<HealthCheckResult> {
    try {
      const checks = [() => this.mongo.pingCheck('mongodb', { timeout: 3000 }), () => this.kafka.isHealthy('kafka')];
      if (this.archive.enabled) checks.push(() => this.archive.isHealthy('archive'));
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      this.logger.warn({ health: result.details }, `unhealthy: ${down.join(', ')} down`);
      throw new ServiceUnavailableException({ message: `Unhealthy: ${down.join(', ')} down`, details: result.details });
    }
  }
}
