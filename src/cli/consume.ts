/** npm run consume [-- --json] …: the topic from the beginning, one event a line; docs/operations.md#the-command-line-tools. */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import type { RegistryEvent } from '../events/contract';
import { describeKafkaSecurity } from '../events/kafka-security';
import { kafkaClientConfig } from '../events/kafka.transport';
import { failCli, loadCliConfig } from './cli-config';
import { ignoreNegativeTimeoutWarnings } from '../common/process/node-warnings';

ignoreNegativeTimeoutWarnings();

function format(message: KafkaMessage, partition: number, json: boolean): string {
  const raw = message.value?.toString() ?? '';
  if (json) return raw;
  try {
    const event = JSON.parse(raw) as RegistryEvent;
    return `${event.occurredAt}  ${event.type.padEnd(24)} ${event.entityId}  #${event.sequence}  ${event.meta_string}`;
  } catch {
    return `(not an event, partition ${partition} offset ${message.offset}) ${raw}`;
  }
}

async function main(): Promise<void> {
  const config = loadCliConfig();
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      topic: { type: 'string', default: config.kafka.topic },
      'max-messages': { type: 'string' },
    },
  });
  const brokers = config.kafka.brokers;
  const max = values['max-messages'] === undefined ? Infinity : Number(values['max-messages']);
  if (!(max > 0)) throw new Error('--max-messages must be a positive number');

  const kafka = new Kafka({ ...kafkaClientConfig(config), clientId: 'registry-console-consumer', logLevel: logLevel.ERROR });
  // A group of its own, so every run reads the whole topic and takes nothing from the service's group.
  const consumer = kafka.consumer({ groupId: `registry-console-${randomUUID()}`, maxWaitTimeInMs: 500 });
  let printed = 0;
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await consumer.disconnect();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  await consumer.connect();
  await consumer.subscribe({ topics: [values.topic ?? 'msg_collection'], fromBeginning: true });
  const security = describeKafkaSecurity(config.kafka.security);
  process.stderr.write(`reading ${values.topic} on ${brokers.join(',')} (${security}) from the beginning (Ctrl-C stops)\n`);
  await consumer.run({
    eachMessage: ({ message, partition }) => {
      if (printed < max) process.stdout.write(`${format(message, partition, values.json ?? false)}\n`);
      if (++printed >= max) void stop();
      return Promise.resolve();
    },
  });
}

main().catch((error: unknown) => failCli('consume', error));
