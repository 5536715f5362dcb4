import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorFunction, MongooseHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Access } from '../auth/access.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ArchiveHealthIndicator } from './archive.health';
import { ConsumerHealthIndicator } from './consumer.health';
import { KafkaHealthIndicator } from './kafka.health';
import { HealthResponseDto, ReadinessResponseDto } from './health-response.dto';

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
    private readonly consumer: ConsumerHealthIndicator,
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
    const checks = [() => this.mongo.pingCheck('mongodb', { timeout: 3000 }), () => this.kafka.isHealthy('kafka')];
    if (this.archive.enabled) checks.push(() => this.archive.isHealthy('archive'));
    return this.run(checks, 'Unhealthy');
  }

  @Get('ready')
  @Access('public')
  @ApiOperation({
    summary: "Whether this instance can serve the API, with its audit consumer's state",
    description:
      'Ready once MongoDB answers: the audit consumer joins its group in the background. `details.consumer.state` is `starting`, `joined`, `rebalancing` or `stopped`; only `stopped` (it gave up) makes the instance unready. Needs no credentials.',
  })
  @ApiOkResponse({ type: ReadinessResponseDto, description: 'MongoDB answers and the consumer has not stopped.' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'MongoDB is down or the consumer stopped; `message` names which, `details` has each status.',
  })
  async ready(): Promise<HealthCheckResult> {
    return this.run([() => this.mongo.pingCheck('mongodb', { timeout: 3000 }), () => this.consumer.check('consumer')], 'Not ready');
  }

  private async run(checks: HealthIndicatorFunction[], verdict: string): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      this.logger.warn({ health: result.details }, `${verdict.toLowerCase()}: ${down.join(', ')} down`);
      throw new ServiceUnavailableException({ message: `${verdict}: ${down.join(', ')} down`, details: result.details });
    }
  }
}
