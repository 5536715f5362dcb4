import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { EVENTS_TOPIC } from './events.constants';
import { EventsService } from './events.service';

/** Kafka side of the Events module: consumes what the service (and others) publish. */
@Controller()
export class EventsController {
  constructor(private readonly eventsService: EventsService) {}

  @EventPattern(EVENTS_TOPIC)
  async onEvent(@Payload() value: unknown, @Ctx() context: KafkaContext): Promise<void> {
    const message = context.getMessage();
    await this.eventsService.receive({
      topic: context.getTopic(),
      partition: context.getPartition(),
      offset: message.offset,
      key: message.key === null || message.key === undefined ? null : message.key.toString(),
      value,
    });
  }
}
