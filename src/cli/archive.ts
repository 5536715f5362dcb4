/** npm run archive -- list | replay …: the archive read back; usage in docs/operations.md#the-command-line-tools. */
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel } from 'kafkajs';
import { ArchiveObject, ArchiveRange, listArchive, readArchive } from '../archive/archive-reader';
import { ArchiveRecord, recordValue } from '../archive/archive-record';
import { S3ObjectStore } from '../archive/s3-object-store';
import { AppConfig } from '../config/app-config';
import { AuditLog, InvalidEventError, parseEvent } from '../events/audit-log/audit-log';
import { kafkaClientConfig, PRODUCER_CONFIG } from '../events/kafka.transport';
import { ArchiveReplayModule } from './archive-replay.module';
import { failCli, loadCliConfig } from './cli-config';
import { ignoreNegativeTimeoutWarnings } from '../common/process/node-warnings';

ignoreNegativeTimeoutWarnings();

const USAGE =
  'usage: npm run archive -- list|replay [--from ISO] [--to ISO] [--partition N] [--topic NAME] [--into-audit-log | --to-topic NAME]';
const PRODUCE_BATCH = 500;

type Sink = { write(record: ArchiveRecord): Promise<void>; summary(): string; close(): Promise<void> };

async function main(argv: string[]): Promise<void> {
  const config = loadCliConfig();
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      partition: { type: 'string' },
      topic: { type: 'string', default: config.kafka.topic },
      'into-audit-log': { type: 'boolean', default: false },
      'to-topic': { type: 'string' },
    },
  });
  const [command] = positionals;
  if (command !== 'list' && command !== 'replay') throw new Error(USAGE);
  if (values['into-audit-log'] && values['to-topic']) throw new Error('--into-audit-log and --to-topic exclude each other');
  const range: ArchiveRange = {
    ...(values.from !== undefined && { from: timeOption('--from', values.from) }),
    ...(values.to !== undefined && { to: timeOption('--to', values.to) }),
    ...(values.partition !== undefined && { partition: partitionOption(values.partition) }),
  };
  const store = new S3ObjectStore(config.archive.s3);
  const topic = values.topic ?? config.kafka.topic;
  const objects = await listArchive(store, config.archive.prefix, topic, range);
  if (command === 'list') {
    printTable(objects);
  } else {
    const sink = values['into-audit-log']
      ? await auditLogSink(config)
      : values['to-topic']
        ? await topicSink(config, values['to-topic'])
        : stdoutSink();
    await replay(store, objects, range, sink);
  }
  store.destroy();
}

async function replay(store: S3ObjectStore, objects: ArchiveObject[], range: ArchiveRange, sink: Sink): Promise<void> {
  let done = 0;
  let records = 0;
  let lastReport = Date.now();
  const report = (): boolean => process.stderr.write(`replay: ${done}/${objects.length} objects, ${records} messages; ${sink.summary()}\n`);
  try {
    for (const object of objects) {
      for await (const record of readArchive(store, [object], range)) {
        await sink.write(record);
        records++;
      }
      done++;
      if (Date.now() - lastReport > 2000) {
        report();
        lastReport = Date.now();
      }
    }
  } finally {
    await sink.close();
  }
  report();
}

function stdoutSink(): Sink {
  return {
    write: (record) => {
      process.stdout.write(`${JSON.stringify(record)}\n`);
      return Promise.resolve();
    },
    summary: () => 'printed',
    close: () => Promise.resolve(),
  };
}

async function auditLogSink(config: AppConfig): Promise<Sink> {
  const app = await NestFactory.createApplicationContext(ArchiveReplayModule.forRoot(config), { logger: ['error'] });
  const auditLog = app.get(AuditLog);
  const counts = { stored: 0, duplicate: 0, notEvents: 0 };
  return {
    write: async (record) => {
      let event;
      try {
        event = await parseEvent(recordValue(record));
      } catch (error) {
        // Such a message went to the dead-letter topic, never into the audit log.
        if (!(error instanceof InvalidEventError)) throw error;
        counts.notEvents++;
        return;
      }
      counts[await auditLog.record(event, { topic: record.topic, partition: record.partition, offset: record.offset })]++;
    },
    summary: () => `audit log: ${counts.stored} stored, ${counts.duplicate} already there, ${counts.notEvents} not events`,
    close: () => app.close(),
  };
}

async function topicSink(config: AppConfig, topic: string): Promise<Sink> {
  const kafka = new Kafka({ ...kafkaClientConfig(config), clientId: `${config.kafka.clientId}-replay`, logLevel: logLevel.ERROR });
  await createTopicIfMissing(kafka, topic, config.kafka.topicPartitions);
  const producer = kafka.producer({
    ...PRODUCER_CONFIG,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  let pending: ArchiveRecord[] = [];
  let sent = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    // Original keys (so the same partition by key) and headers; the timestamp is new, or retention would drop old messages at once.
    await producer.send({ topic, acks: -1, messages: pending.map((r) => ({ key: r.key, value: recordValue(r), headers: r.headers })) });
    sent += pending.length;
    pending = [];
  };
  return {
    write: async (record) => {
      pending.push(record);
      if (pending.length >= PRODUCE_BATCH) await flush();
    },
    summary: () => `published on ${topic}: ${sent}`,
    close: async () => {
      await flush();
      await producer.disconnect();
    },
  };
}

/** A new target topic gets KAFKA_TOPIC_PARTITIONS partitions, like the service's own topic (no reliance on auto-creation). */
async function createTopicIfMissing(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      process.stderr.write(`replay: created topic ${topic} with ${partitions} partitions\n`);
    }
  } finally {
    await admin.disconnect();
  }
}

function printTable(objects: ArchiveObject[]): void {
  const rows = objects.map((o) => [
    o.key,
    String(o.parts.partition),
    `${o.parts.firstOffset}-${o.parts.lastOffset}`,
    String(o.size),
    o.lastModified?.toISOString() ?? '',
  ]);
  const header = ['key', 'partition', 'offsets', 'bytes', 'stored at'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows])
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
  const bytes = objects.reduce((sum, o) => sum + o.size, 0);
  const offsets = objects.reduce((sum, o) => sum + o.parts.lastOffset - o.parts.firstOffset + 1, 0);
  process.stdout.write(`${objects.length} objects, ${offsets} offsets, ${bytes} bytes\n`);
}

function timeOption(name: string, value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`${name} must be an ISO 8601 time or epoch milliseconds (got "${value}")`);
  return ms;
}

function partitionOption(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new Error(`--partition must be a partition number (got "${value}")`);
  return Number(value);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => failCli('archive', error),
);
