/**
 * Another team's Nest service consuming the registry's topic with a plain
 * `@EventPattern`, traced the usual way: the OpenTelemetry SDK with the
 * kafkajs instrumentation, started before Nest. Run by test/tracing.e2e-spec.ts
 * (ts-node) with TOPIC, KAFKA_BROKERS, GROUP_ID and the OTEL_* variables; prints
 * `handled <event id>` for each event.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';

const sdk = new NodeSDK({ metricReaders: [], logRecordProcessors: [], instrumentations: [new KafkaJsInstrumentation()] });
sdk.start();

async function main(): Promise<void> {
  // Loaded after the SDK started, so that kafkajs is instrumented.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Controller, Module } = require('@nestjs/common') as typeof import('@nestjs/common');
  const { NestFactory } = require('@nestjs/core') as typeof import('@nestjs/core');
  const { EventPattern, Payload, Transport } = require('@nestjs/microservices') as typeof import('@nestjs/microservices');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const topic = process.env.TOPIC ?? '';

  @Controller()
  class RegistryEventsController {
    @EventPattern(topic)
    onRegistryEvent(@Payload() event: { id: string }): void {
      process.stdout.write(`handled ${event.id}\n`);
    }
  }

  @Module({ controllers: [RegistryEventsController] })
  class ForeignModule {}

  const app = await NestFactory.createMicroservice(ForeignModule, {
    transport: Transport.KAFKA,
    options: {
      client: { clientId: 'foreign', brokers: (process.env.KAFKA_BROKERS ?? '').split(',') },
      consumer: { groupId: process.env.GROUP_ID ?? 'foreign' },
      subscribe: { fromBeginning: true },
    },
    logger: ['error'],
  });
  const stop = (): void =>
    void app
      .close()
      .then(() => sdk.shutdown())
      .then(() => process.exit(0));
  process.once('SIGTERM', stop);
  await app.listen();
  process.stdout.write('listening\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
