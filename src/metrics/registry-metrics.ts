import { NotFoundException } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Options of MetricsModule.forRoot: whether the metrics are collected and served at all. */
export class MetricsOptions {
  readonly enabled: boolean;
}

/** Consumer groups whose lag is reported: the audit consumer and the archive (a role, never a group id). */
export type LaggingGroup = 'audit' | 'archive';

/** Why a request was refused as unauthenticated or forbidden (the label of auth_failures_total). */
export type AuthFailure = 'missing_credentials' | 'invalid_token' | 'provider_error' | 'forbidden';

/** Runs before every scrape to refresh gauges read from the store or the brokers; a failure leaves them as they are. */
export type Sampler = () => Promise<void>;

const PREFIX = 'registry_';
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const EXPORT_FORMATS = new Set(['json', 'ndjson', 'csv', 'parquet', 'arrow']);

/**
 * Every metric of the service, in one place, with one method per thing that
 * happens: modules call these (a line each) and never touch prom-client.
 * Labels are closed sets (method, route template, status class, reason,
 * format, group, partition): no ids, no raw paths. Each application has a
 * registry of its own, so several apps in one process (tests) do not mix.
 */
export class RegistryMetrics {
  readonly registry = new Registry();
  private readonly samplers: Sampler[] = [];

  private readonly httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests by method, route template and status class, and how long they took',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly outboxEntitiesWaiting = this.gauge('outbox_entities_waiting', 'Users and datasets with events waiting in their outbox');
  readonly outboxEventsWaiting = this.gauge('outbox_events_waiting', 'Events waiting in all outboxes, not yet on Kafka');
  readonly outboxOldestAge = this.gauge(
    'outbox_oldest_waiting_age_seconds',
    'How long the entity marked longest ago has had events waiting (0 when none wait)',
  );
  private readonly outboxPublished = this.counter('outbox_events_published_total', 'Events the relay sent to the topic');
  private readonly relayLastSuccess = this.gauge(
    'outbox_relay_last_success_timestamp_seconds',
    'When the relay last finished a round without a failed send (Unix time; 0: not yet, or not the relaying instance)',
  );
  readonly consumerLag = this.gauge('consumer_lag_messages', 'Messages on the topic not yet committed by the group, per partition', [
    'group',
    'partition',
  ]);
  private readonly consumerHandled = this.counter(
    'consumer_messages_handled_total',
    'Messages the audit consumer recorded (or found recorded)',
  );
  private readonly consumerRetried = this.counter('consumer_messages_retried_total', 'Attempts at a message the audit consumer repeated');
  private readonly consumerDeadLettered = this.counter(
    'consumer_messages_dead_lettered_total',
    'Messages parked on the dead-letter topic',
    ['reason'],
  );
  readonly archiveLagSeconds = this.gauge(
    'archive_lag_seconds',
    'While messages wait to be archived: seconds since this instance last stored an object (or started); 0 when none wait',
  );
  private readonly archiveObjects = this.counter('archive_objects_stored_total', 'Objects the archive wrote to storage');
  private readonly archiveBytes = this.counter('archive_bytes_stored_total', 'Bytes (gzip) the archive wrote to storage');
  private readonly archiveErrors = this.counter(
    'archive_storage_errors_total',
    'Failed attempts at writing to (or reaching) the archive storage',
  );
  private readonly pointsIngested = this.counter('records_points_ingested_total', 'Points written by records uploads, by body format', [
    'format',
  ]);
  private readonly pointsExported = this.counter('records_points_exported_total', 'Points served by records reads, by format', ['format']);
  private readonly versionsSealed = this.counter('records_versions_sealed_total', 'Versions of datasets sealed');
  private readonly authFailures = this.counter('auth_failures_total', 'Requests refused with 401 or 403 by the route policy, by reason', [
    'reason',
  ]);
  private readonly rateLimited = this.counter('rate_limited_requests_total', 'Requests refused with 429');

  constructor(readonly options: MetricsOptions) {
    if (options.enabled) collectDefaultMetrics({ register: this.registry });
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    const statusClass = status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
    this.httpDuration.observe({ method: HTTP_METHODS.has(method) ? method : 'other', route, status_class: statusClass }, seconds);
  }

  eventsPublished(count = 1): void {
    this.outboxPublished.inc(count);
  }

  relaySucceeded(): void {
    this.relayLastSuccess.set(Date.now() / 1000);
  }

  messageHandled(count = 1): void {
    this.consumerHandled.inc(count);
  }

  messageRetried(count = 1): void {
    this.consumerRetried.inc(count);
  }

  messageDeadLettered(reason: 'invalid' | 'failed'): void {
    this.consumerDeadLettered.inc({ reason });
  }

  objectArchived(bytes: number): void {
    this.archiveObjects.inc();
    this.archiveBytes.inc(bytes);
  }

  archiveStorageFailed(): void {
    this.archiveErrors.inc();
  }

  recordsIngested(format: string, points: number): void {
    this.pointsIngested.inc({ format: EXPORT_FORMATS.has(format) ? format : 'other' }, points);
  }

  recordsExported(format: string, points: number): void {
    this.pointsExported.inc({ format: EXPORT_FORMATS.has(format) ? format : 'other' }, points);
  }

  versionSealed(): void {
    this.versionsSealed.inc();
  }

  authFailed(reason: AuthFailure): void {
    this.authFailures.inc({ reason });
  }

  requestRateLimited(): void {
    this.rateLimited.inc();
  }

  /** Registers a sampler run before each scrape (the outbox backlog, the groups' lag). */
  sampleWith(sampler: Sampler): void {
    this.samplers.push(sampler);
  }

  /** The Prometheus text exposition, after the samplers ran (each within its own timeout); a 404 when metrics are off. */
  async scrape(): Promise<string> {
    if (!this.options.enabled) throw new NotFoundException('metrics are off (METRICS_ENABLED=false)');
    await Promise.all(this.samplers.map((sampler) => sampler().catch(() => undefined)));
    return this.registry.metrics();
  }

  private counter(name: string, help: string, labelNames: string[] = []): Counter {
    const counter = new Counter({ name: `${PREFIX}${name}`, help, labelNames, registers: [this.registry] });
    // Counters without labels are exported from the start (at 0), so rate() sees their first increase.
    if (labelNames.length === 0) counter.inc(0);
    return counter;
  }

  private gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return new Gauge({ name: `${PREFIX}${name}`, help, labelNames, registers: [this.registry] });
  }
}
