import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { deadLetterTopic } from './events.publisher';
import { kafkaClientConfig } from './kafka.transport';

/**
 * Creates the events topic and its dead-letter topic at start-up when they do not exist yet, with the
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
      // Only the missing ones: asking for an existing topic makes the client log an error.
      const existing = new Set(await admin.listTopics());
      const missing = [topic, deadLetterTopic(topic)].filter((name) => !existing.has(name));
      if (missing.length === 0) return;
      await admin.createTopics({
        topics: missing.map((name) => ({ topic: name, numPartitions: topicPartitions })),
        waitForLeaders: true,
      });
      this.logger.log(`created topics ${missing.join(', ')} with ${topicPartitions} partitions`);
    } finally {
      await admin.disconnect();
    }
  }
}
