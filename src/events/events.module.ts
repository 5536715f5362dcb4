import { Module } from '@nestjs/common';
import { ClientsModule, Transport } from '@nestjs/microservices';
import { AppConfig } from '../config/app-config';
import { KAFKA_CLIENT } from './events.constants';
import { EventsController } from './events.controller';
import { EventsPublisher } from './events.publisher';
import { EventsService } from './events.service';
import { KafkaTopicsService } from './kafka-topics.service';
import { kafkaClientConfig, PRODUCER_CONFIG } from './kafka.transport';

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
  ],
  controllers: [EventsController],
  providers: [EventsService, EventsPublisher, KafkaTopicsService],
  exports: [EventsPublisher],
})
export class EventsModule {}
