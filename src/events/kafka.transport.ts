import { MessageHandler, ServerKafka } from '@nestjs/microservices';
import { BatchServerKafka } from './batch-server-kafka';
import { KafkaConfig, logLevel, Partitioners } from 'kafkajs';
import { AppConfig } from '../config/app-config';
import { AuditConsumerState } from './consumer-state';
import { EVENTS_TOPIC } from './events.constants';
import { kafkaSecurityOptions } from './kafka-security';

/**
 * kafkajs settings shared by the transport server, the client, the admin
 * connections, the live tail, the archive and the CLIs: the one place where
 * TLS and SASL are applied.
 */
export function kafkaClientConfig(config: AppConfig): KafkaConfig {
  return {
    clientId: config.kafka.clientId,
    brokers: [...config.kafka.brokers],
    ...kafkaSecurityOptions(config.kafka.security),
    connectionTimeout: 3000,
    requestTimeout: config.kafka.timing.requestTimeoutMs,
    logLevel: logLevel.WARN,
  };
}

/** kafkajs adds this much to a JoinGroup's wait for the network; SyncGroup gets the same margin here. */
const GROUP_REQUEST_MARGIN_MS = 5000;

/**
 * Consumer-group timing for every group (audit, archive): a group's client waits longer than the broker
 * may hold a group request (tulios/kafkajs#1527). Why: docs/operations.md#running-several-instances.
 */
export function consumerGroupTiming(config: AppConfig): {
  sessionTimeout: number;
  heartbeatInterval: number;
  rebalanceTimeout: number;
  requestTimeout: number;
} {
  const { requestTimeoutMs, sessionTimeoutMs, heartbeatIntervalMs, rebalanceTimeoutMs } = config.kafka.timing;
  return {
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: heartbeatIntervalMs,
    rebalanceTimeout: rebalanceTimeoutMs,
    requestTimeout: Math.max(requestTimeoutMs, rebalanceTimeoutMs + GROUP_REQUEST_MARGIN_MS),
  };
}

/** The client of a consumer group: kafkaClientConfig with a request timeout its group requests fit in. */
export function consumerClientConfig(config: AppConfig): KafkaConfig {
  return { ...kafkaClientConfig(config), requestTimeout: consumerGroupTiming(config).requestTimeout };
}

/** The group settings of kafka.consumer() (see consumerGroupTiming). */
export function consumerGroupSettings(config: AppConfig): { sessionTimeout: number; heartbeatInterval: number; rebalanceTimeout: number } {
  const { sessionTimeout, heartbeatInterval, rebalanceTimeout } = consumerGroupTiming(config);
  return { sessionTimeout, heartbeatInterval, rebalanceTimeout };
}

export const PRODUCER_CONFIG = {
  // Java-compatible murmur2 partitioning: the same key lands on the same partition for every client.
  createPartitioner: Partitioners.DefaultPartitioner,
  allowAutoTopicCreation: false,
  // Give up on a send within seconds while the broker is away: the outbox relay retries it later.
  retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
};

/**
 * Nest's Kafka server subscribes to the pattern strings of the handlers as
 * topic names. Handlers are written against the logical `msg_collection`
 * (the public contract); this server subscribes them to the configured topic.
 */
export class ConfiguredTopicServerKafka extends BatchServerKafka {
  constructor(
    options: ConstructorParameters<typeof ServerKafka>[0],
    private readonly topics: ReadonlyMap<string, string>,
    private readonly state: AuditConsumerState,
  ) {
    super(options);
  }

  private starting?: Promise<void>;

  // The consumer starts in the background (see startApp): a close while it joins waits for the
  // join to end, so that the consumer is disconnected rather than left joining a closed client.
  override listen(callback: Parameters<ServerKafka['listen']>[0]): Promise<void> {
    this.starting = super.listen(callback);
    return this.starting;
  }

  override async close(): Promise<void> {
    await this.starting;
    await super.close();
  }

  protected override registerConsumerEventListeners(): void {
    super.registerConsumerEventListeners();
    if (this.consumer) this.state.follow(this.consumer, this.topics.get(EVENTS_TOPIC) ?? EVENTS_TOPIC);
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler?: boolean, extras?: Record<string, unknown>): void {
    const topic = typeof pattern === 'string' ? (this.topics.get(pattern) ?? pattern) : pattern;
    super.addHandler(topic, callback, isEventHandler, extras);
  }
}

export function createKafkaServer(config: AppConfig, state: AuditConsumerState): ConfiguredTopicServerKafka {
  return new ConfiguredTopicServerKafka(
    {
      client: consumerClientConfig(config),
      // No "-server" suffix: the group is exactly KAFKA_GROUP_ID.
      postfixId: '',
      // maxWaitTimeInMs bounds how long a shutdown waits for the fetch in flight.
      consumer: { groupId: config.kafka.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000, ...consumerGroupSettings(config) },
      // A new group starts at the oldest retained event, so nothing published before its first start is missed.
      subscribe: { fromBeginning: true },
      // Partitions are handled side by side (each one still in order): one at a time, storing each
      // event in the audit log bounds the whole pipeline.
      run: { partitionsConsumedConcurrently: config.kafka.topicPartitions },
      // Values reach the handler as the bytes that were sent: it parses them itself, and a
      // message that does not parse goes to the dead-letter topic unchanged.
      parser: { keepBinary: true },
      producer: PRODUCER_CONFIG,
    },
    new Map([[EVENTS_TOPIC, config.kafka.topic]]),
    state,
  );
}
