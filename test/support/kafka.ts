import { Consumer, Kafka, KafkaConfig, KafkaMessage, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';

/** `security`: TLS/SASL options, e.g. kafkaSecurityOptions(config.kafka.security) for a SASL_SSL listener. */
export function testKafka(brokers = process.env.KAFKA_BROKERS ?? '', security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}): Kafka {
  return new Kafka({ clientId: `e2e-${randomUUID().slice(0, 8)}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING, ...security });
}

export interface ReceivedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * An independent consumer, in a group of its own, that records everything on
 * `topics` from the beginning. Stop it with `stop()`.
 */
export class TopicRecorder {
  readonly records: ReceivedRecord[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: string[],
    readonly groupId = `e2e-recorder-${randomUUID()}`,
  ) {}

  async start(): Promise<this> {
    // A short fetch wait keeps stop() quick (disconnect waits for the fetch in flight).
    this.consumer = this.kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: true, maxWaitTimeInMs: 250 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.records.push(toRecord(topic, partition, message));
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

function toRecord(topic: string, partition: number, message: KafkaMessage): ReceivedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers,
  };
}

export async function deleteTopics(
  brokers: readonly string[],
  topics: string[],
  security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {},
): Promise<void> {
  const admin = testKafka(brokers.join(','), security).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}
