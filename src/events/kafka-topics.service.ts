import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { kafkaClientConfig } from './kafka.transport';

/**
 * Creates the events topic at start-up when it does not exist yet, with the
 * configured partition count, instead of leaving it to broker auto-creation
 * (one partition, and only if the broker allows it).
 */
@Injectable()
export class KafkaTopicsService implements OnModuleInit {
  private readonly logger = new Logger(KafkaTopicsService.name);

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    const admin = new Kafka(kafkaClientConfig(this.config)).admin();
    await admin.connect();
    try {
      const { topic, topicPartitions } = this.config.kafka;
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: topicPartitions }],
        waitForLeaders: true,
      });
      if (created) this.logger.log(`created topic ${topic} with ${topicPartitions} partitions`);
    } finally {
      await admin.disconnect();
    }
  }
}
