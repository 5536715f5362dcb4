import { Controller, Get, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorFunction, MongooseHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Access } from '../access/access.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ArchiveHealthIndicator } from './archive.health';
import { ConsumerHealthIndicator } from './consumer.health';
import { KafkaHealthIndicator } from './kafka.health';
import { HealthResponseDto, LivenessResponseDto, ReadinessResponseDto } from './health-response.dto';

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

  @Get('live')
  @Access('public')
  @ApiOperation({
    summary: 'Whether the process answers (liveness)',
    description:
      'Asks no dependency: a failing liveness probe means this process is stuck and should be restarted, which a database or broker outage never cures. Needs no credentials.',
  })
  @ApiOkResponse({ type: LivenessResponseDto, description: 'The process answers.' })
  live(): LivenessResponseDto {
    return { status: 'ok', uptime: process.uptime() };
  }

  @Get('ready')
  @Access('public')
  @ApiOperation({
    summary: 'Whether this instance should receive traffic (readiness): MongoDB, Kafka, the archive storage, the audit consumer',
    description:
      'Ready when MongoDB and the Kafka cluster answer, the archive storage answers (when ARCHIVE_ENABLED) and the audit consumer has not stopped. The consumer joins its group in the background: `details.consumer.state` is `starting`, `joined`, `rebalancing` or `stopped`, and only `stopped` (it gave up) makes the instance unready. Needs no credentials.',
  })
  @ApiOkResponse({ type: ReadinessResponseDto, description: 'Every dependency answers and the consumer has not stopped.' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description:
      'MongoDB, Kafka or the archive storage is down, or the consumer stopped; `message` names which, `details` has each status.',
  })
  async ready(): Promise<HealthCheckResult> {
    const checks = [
      () => this.mongo.pingCheck('mongodb', { timeout: 3000 }),
      () => this.kafka.isHealthy('kafka'),
      () => this.consumer.check('consumer'),
    ];
    if (this.archive.enabled) checks.push(() => this.archive.isHealthy('archive'));
    return this.run(checks, 'Not ready');
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
