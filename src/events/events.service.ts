import { Injectable, Logger } from '@nestjs/common';

export interface ReceivedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: unknown;
}

/** What the service does with each message consumed from the events topic. */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  async receive(message: ReceivedMessage): Promise<void> {
    this.logger.log(
      { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key },
      'event received',
    );
  }
}
