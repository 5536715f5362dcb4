import { Injectable, OnModuleInit } from '@nestjs/common';
import { archiveLag } from '../archive/archive-lag';
import { ArchiveService } from '../archive/archive.service';
import { AppConfig } from '../config/app-config';
import { LaggingGroup, RegistryMetrics } from '../metrics/registry-metrics';
import { HealthKafkaAdmin } from './kafka-admin';

/**
 * The consumer groups' lag per partition (end offset minus committed), asked
 * of the brokers at each scrape through the health checks' admin connection
 * (within its timeout); and the archive's lag in seconds. While Kafka does
 * not answer, the lag series are dropped rather than left stale.
 */
@Injectable()
export class LagMetrics implements OnModuleInit {
  private startedAt = Date.now();

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: RegistryMetrics,
    private readonly admin: HealthKafkaAdmin,
    private readonly archive: ArchiveService,
  ) {}

  onModuleInit(): void {
    this.startedAt = Date.now();
    if (this.metrics.options.enabled) this.metrics.sampleWith(() => this.sample());
  }

  private async sample(): Promise<void> {
    const groups: [LaggingGroup, string][] = [['audit', this.config.kafka.groupId]];
    if (this.archive.enabled) groups.push(['archive', this.config.archive.groupId]);
    const lags = await Promise.all(
      groups.map(([group, groupId]) =>
        this.admin
          .use((admin) => archiveLag(admin, groupId, this.config.kafka.topic))
          .then((lag) => ({ group, lag }))
          .catch(() => ({ group, lag: undefined })),
      ),
    );
    this.metrics.consumerLag.reset();
    for (const { group, lag } of lags) {
      if (!lag) continue;
      for (const [partition, messages] of Object.entries(lag.partitions)) this.metrics.consumerLag.set({ group, partition }, messages);
      if (group === 'archive') this.metrics.archiveLagSeconds.set(lag.total > 0 ? this.secondsSinceLastStored() : 0);
    }
  }

  private secondsSinceLastStored(): number {
    const lastStoredAt = this.archive.status().lastStoredAt;
    const since = Math.max(this.startedAt, lastStoredAt ? Date.parse(lastStoredAt) : 0);
    return (Date.now() - since) / 1000;
  }
}
