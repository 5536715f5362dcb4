import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { deadLetterTopic } from './events.publisher';
import { explainKafkaFailure, KafkaStartupError } from './kafka-failures';
import { describeKafkaSecurity } from './kafka-security';
import { kafkaClientConfig } from './kafka.transport';

/**
 * The first contact with Kafka: credentials checked (a refusal stops the start with one line), then the
 * events and dead-letter topics created when missing. See docs/events.md#kafka-security-tls-sasl-amazon-msk.
 */
@Injectable()
export class KafkaTopicsService implements OnModuleInit {
  private readonly logger = new Logger(KafkaTopicsService.name);

  constructor(private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    // Silent client: a failure is reported once, as the one line below, not as kafkajs' retry log.
    const admin = new Kafka({ ...kafkaClientConfig(this.config), logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      await this.createMissingTopics(admin);
    } catch (error) {
      const { security, brokers } = this.config.kafka;
      throw new KafkaStartupError(explainKafkaFailure(error, security, brokers), { cause: error });
    } finally {
      await admin.disconnect();
    }
    this.logger.log(`connected to Kafka (${describeKafkaSecurity(this.config.kafka.security)})`);
  }

  private async createMissingTopics(admin: Admin): Promise<void> {
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
  }
}
