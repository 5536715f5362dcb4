/**
 * npm run consume [-- --json] [--topic NAME] [--max-messages N]
 *
 * Prints the events topic from the beginning, one event a line, and keeps
 * following it until Ctrl-C — the registry's `kafka-console-consumer
 * --from-beginning`. Reads KAFKA_BROKERS and KAFKA_TOPIC from the environment
 * (or a .env file); without them, the local stack's broker and `msg_collection`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import type { RegistryEvent } from '../events/contract';

const LOCAL_STACK_BROKERS = '127.0.0.1:19092';

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
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      topic: { type: 'string', default: process.env.KAFKA_TOPIC || 'msg_collection' },
      'max-messages': { type: 'string' },
    },
  });
  const brokers = (process.env.KAFKA_BROKERS || LOCAL_STACK_BROKERS).split(',').map((broker) => broker.trim());
  const max = values['max-messages'] === undefined ? Infinity : Number(values['max-messages']);
  if (!(max > 0)) throw new Error('--max-messages must be a positive number');

  const kafka = new Kafka({ clientId: 'registry-console-consumer', brokers, logLevel: logLevel.ERROR });
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
  process.stderr.write(`reading ${values.topic} on ${brokers.join(',')} from the beginning (Ctrl-C stops)\n`);
  await consumer.run({
    eachMessage: ({ message, partition }) => {
      if (printed < max) process.stdout.write(`${format(message, partition, values.json ?? false)}\n`);
      if (++printed >= max) void stop();
      return Promise.resolve();
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`consume: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
