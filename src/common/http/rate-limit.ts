import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import { RegistryMetrics } from '../../metrics/registry-metrics';

const MINUTE_MS = 60_000;

/**
 * A fixed allowance of requests per identity (per client IP for anonymous
 * requests) and minute; beyond it a 429 in
 * the usual error shape, with Retry-After. 0 turns the limit off.
 */
export function rateLimitOptions(perMinute: number): ThrottlerModuleOptions {
  return {
    throttlers: [{ ttl: MINUTE_MS, limit: perMinute }],
    skipIf: () => perMinute === 0,
    errorMessage: `too many requests from this client: at most ${perMinute} a minute; retry after the seconds in Retry-After`,
  };
}

/**
 * One allowance per client across all routes (the library's default keeps one
 * per route). HTTP only: the Kafka consumer shares the app's guards
 * (inheritAppConfig) and must never be throttled.
 */
@Injectable()
export class HttpRateLimitGuard extends ThrottlerGuard {
  // A property: the constructor is the library's.
  @Inject(RegistryMetrics) private readonly metrics: RegistryMetrics;

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    this.metrics.requestRateLimited();
    return super.throwThrottlingException(context, detail);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || super.shouldSkip(context);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
  }

  /** Per identity once authenticated (many users may share an IP, one user many IPs); per IP otherwise. */
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = (request as { principal?: { userId: { toHexString(): string } } }).principal;
    return principal ? Promise.resolve(`user:${principal.userId.toHexString()}`) : super.getTracker(request);
  }
}
