import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { archiveLag } from '../archive/archive-lag';
import { ArchiveService } from '../archive/archive.service';
import { ObjectStore } from '../archive/object-store';
import { AppConfig } from '../config/app-config';
import { HEALTH_TIMEOUT_MS, HealthKafkaAdmin } from './kafka-admin';

/**
 * The archive (when ARCHIVE_ENABLED) is up when its storage answers and it is
 * not paused on a storage failure; `lag` counts the messages not yet stored.
 */
@Injectable()
export class ArchiveHealthIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthIndicatorService,
    private readonly archive: ArchiveService,
    private readonly store: ObjectStore,
    private readonly admin: HealthKafkaAdmin,
  ) {}

  get enabled(): boolean {
    return this.archive.enabled;
  }

  async isHealthy(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { state, storage, pendingEvents, storedObjects, lastStoredAt, lastError } = this.archive.status();
    const lag = await this.admin
      .use((admin) => archiveLag(admin, this.config.archive.groupId, this.config.kafka.topic))
      .then((result) => result.total)
      .catch(() => null);
    const details = { storage, lag, pendingEvents, storedObjects, ...(lastStoredAt && { lastStoredAt }) };
    try {
      await this.store.ping(HEALTH_TIMEOUT_MS);
    } catch (error) {
      return indicator.down({ ...details, message: `storage does not answer: ${(error as Error).message}` });
    }
    if (state === 'down') return indicator.down({ ...details, message: `archiving paused: ${lastError ?? 'storage failed'}` });
    return indicator.up(details);
  }
}
