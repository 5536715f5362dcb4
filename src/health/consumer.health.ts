import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AuditConsumerState } from '../events/consumer-state';

/**
 * The audit consumer, for readiness: up while it is joining, joined or
 * rebalancing (the API does not need it, and the group catches up by itself),
 * down once it stopped for good — the instance then writes but never audits.
 */
@Injectable()
export class ConsumerHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly consumer: AuditConsumerState,
  ) {}

  check(key: string): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const { state, since, partitions, error } = this.consumer.status();
    const details = { state, since: since.toISOString(), partitions, ...(error ? { message: error } : {}) };
    return state === 'stopped' ? indicator.down(details) : indicator.up(details);
  }
}
