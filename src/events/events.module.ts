import { Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { MongooseModule } from '@nestjs/mongoose';
import { LocksModule } from '../common/locks/locks.module';
import { AppConfig } from '../config/app-config';
import { AuditLogModule } from './audit-log/audit-log.module';
import { AuditConsumerState } from './consumer-state';
import { EventTail } from './event-tail';
import { KAFKA_CLIENT } from './events.constants';
import { EventsConsumer } from './events.consumer';
import { EventsPublisher } from './events.publisher';
import { KafkaTopicsService } from './kafka-topics.service';
import { kafkaClientConfig, PRODUCER_CONFIG } from './kafka.transport';
import { Outbox } from './outbox/outbox';
import { OutboxMarker, OutboxMarkerSchema, OutboxSent, OutboxSentSchema } from './outbox/outbox-marker.schema';
import { OutboxMarkersRepository } from './outbox/outbox-markers.repository';
import { OutboxMetrics } from './outbox/outbox-metrics';
import { OutboxSentRepository } from './outbox/outbox-sent.repository';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxSources } from './outbox/outbox-sources';
import { LostMarkerScans } from './outbox/lost-markers';
import { RelayBeat, RelayBeatSchema, RelayBeatsRepository } from './outbox/relay-beats.repository';

/**
 * Events: the outbox every change is written to, the relay that publishes it
 * on the topic through the Nest Kafka transport, and the consumer that keeps
 * the audit log (read over HTTP through AuditModule).
 */
@Module({
  imports: [
    ClientsModule.registerAsync([
      {
        name: KAFKA_CLIENT,
        inject: [AppConfig],
        useFactory: (config: AppConfig) => ({
          transport: Transport.KAFKA,
          options: {
            client: kafkaClientConfig(config),
            producerOnlyMode: true,
            producer: PRODUCER_CONFIG,
          },
        }),
      },
    ]),
    MongooseModule.forFeature([
      { name: OutboxMarker.name, schema: OutboxMarkerSchema },
      { name: OutboxSent.name, schema: OutboxSentSchema },
      { name: RelayBeat.name, schema: RelayBeatSchema },
    ]),
    AuditLogModule,
    LocksModule,
  ],
  controllers: [EventsConsumer],
  providers: [
    Outbox,
    OutboxRelay,
    OutboxMarkersRepository,
    OutboxSentRepository,
    RelayBeatsRepository,
    LostMarkerScans,
    OutboxMetrics,
    OutboxSources,
    EventsPublisher,
    EventTail,
    KafkaTopicsService,
    AuditConsumerState,
  ],
  exports: [Outbox, OutboxSources, AuditLogModule, EventTail, AuditConsumerState],
})
export class EventsModule {}
