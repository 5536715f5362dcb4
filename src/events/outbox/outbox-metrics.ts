import { Injectable, OnModuleInit } from '@nestjs/common';
import { RegistryMetrics } from '../../metrics/registry-metrics';
import { OutboxMarkersRepository } from './outbox-markers.repository';

/** The outbox backlog, read from its markers at each scrape (every instance sees the same store: alert on max()). */
@Injectable()
export class OutboxMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: RegistryMetrics,
    private readonly markers: OutboxMarkersRepository,
  ) {}

  onModuleInit(): void {
    this.metrics.sampleWith(async () => {
      const { entities, events, oldestSince } = await this.markers.backlog();
      this.metrics.outboxEntitiesWaiting.set(entities);
      this.metrics.outboxEventsWaiting.set(events);
      this.metrics.outboxOldestAge.set(oldestSince ? Math.max(0, (Date.now() - oldestSince.getTime()) / 1000) : 0);
    });
  }
}
