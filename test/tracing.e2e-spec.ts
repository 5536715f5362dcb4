import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { authedApi } from './support/auth';
import { spawnApp } from './support/app-process';
import { archivingServiceEnv } from './support/archive';
import { eventSchemaValidator } from '../src/events/testing/event-schema';
import { testKafka, TopicRecorder } from './support/kafka';
import { OtlpReceiver, ReceivedSpan } from './support/otlp-receiver';
import { freePort } from './support/ports';
import { PrivateStack, startPrivateStack } from './support/private-stack';
import { ServiceProcess } from './support/service-process';
import { recordMeasurement } from './support/test-log';
import { waitFor } from './support/wait';

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/** The built service (tracing starts in main.ts, before Nest and the driver load) exporting to a receiver in this process. */
describe('Traces: one trace from the request through Kafka to every consumer (e2e)', () => {
  const receiver = new OtlpReceiver();
  const service = new ServiceProcess('e2e_tracing');
  let recorder: TopicRecorder;
  let privateStack: PrivateStack | undefined;
  let foreign: ChildProcess | undefined;
  let foreignOutput = '';

  beforeAll(async () => {
    await receiver.start();
    privateStack = await startPrivateStack(['s3']);
    const archive = Object.entries(await archivingServiceEnv(privateStack.env)).filter(([name]) => name.startsWith('ARCHIVE_'));
    Object.assign(service.env, Object.fromEntries(archive), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      LOG_LEVEL: 'info',
    });
    await service.start();
    recorder = await new TopicRecorder(testKafka(), [service.env.KAFKA_TOPIC ?? '']).start();
    foreign = spawn(
      process.execPath,
      [require.resolve('ts-node/dist/bin'), '--transpile-only', '--project', 'tsconfig.json', 'test/support/foreign-consumer.ts'],
      {
        cwd: path.resolve(__dirname, '..'),
        env: {
          PATH: process.env.PATH,
          TOPIC: service.env.KAFKA_TOPIC,
          KAFKA_BROKERS: process.env.KAFKA_BROKERS,
          GROUP_ID: `e2e-foreign-${randomUUID().slice(0, 8)}`,
          OTEL_SERVICE_NAME: 'foreign-consumer',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '100',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    foreign.stdout?.on('data', (chunk: Buffer) => (foreignOutput += chunk.toString()));
    foreign.stderr?.on('data', (chunk: Buffer) => (foreignOutput += chunk.toString()));
    await waitFor(() => foreignOutput.includes('listening'), {
      timeoutMs: 60_000,
      what: `the foreign consumer to listen (${foreignOutput})`,
    });
  });

  afterAll(async () => {
    if (foreign && foreign.exitCode === null) {
      const exited = new Promise((resolve) => foreign?.once('exit', resolve));
      foreign.kill('SIGTERM');
      await exited;
    }
    await recorder?.stop();
    await service.remove();
    await privateStack?.destroy();
    await receiver.stop();
  });

  it('gives one POST /datasets one trace id across its HTTP span, the relay publish, the audit, archive and foreign consumers, and its log lines', async () => {
    const api = authedApi(service.url, service.adminToken);
    const owner = (
      await api
        .post('/users')
        .send({ name: 'Tracy', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id as string;
    const requestId = `trace-test-${randomUUID()}`;
    const dataset = (await api.post('/datasets').set('X-Request-Id', requestId).send({ ownerId: owner, name: 'traced' }).expect(201))
      .body as { id: string };

    const inTrace = (traceId: string): ReceivedSpan[] => receiver.spans.filter((span) => span.traceId === traceId);
    const http = await waitFor(
      () =>
        receiver.spans.find(
          (span) =>
            span.kind === SERVER && span.attributes['http.route'] === '/datasets' && span.attributes['http.request.method'] === 'POST',
        ),
      { timeoutMs: 30_000, what: 'the HTTP span of POST /datasets' },
    );
    const traceId = http.traceId;
    const group = (span: ReceivedSpan): unknown => span.attributes['messaging.consumer.group.name'];
    const [publish, audit, archived, foreignSpan] = await waitFor(
      () => {
        const spans = inTrace(traceId);
        const ours = spans.filter((span) => span.service === 'dataset-registry');
        const send = ours.find((span) => span.kind === PRODUCER);
        const processed = ours.find((span) => span.kind === CONSUMER && group(span) === service.env.KAFKA_GROUP_ID);
        const archiving = ours.find((span) => span.kind === CONSUMER && group(span) !== service.env.KAFKA_GROUP_ID);
        const other = spans.find((span) => span.kind === CONSUMER && span.service === 'foreign-consumer');
        return send && processed && archiving && other && ([send, processed, archiving, other] as const);
      },
      { timeoutMs: 60_000, what: `the publish and consumer spans of trace ${traceId}` },
    );
    const topic = service.env.KAFKA_TOPIC;
    expect(publish).toMatchObject({ name: `send ${topic}`, attributes: { 'messaging.kafka.message.key': dataset.id } });
    expect(audit).toMatchObject({ name: `process ${topic}`, parentSpanId: publish.spanId });
    expect(archived).toMatchObject({ name: `process ${topic}`, parentSpanId: publish.spanId });
    expect(foreignSpan).toMatchObject({ name: `process ${topic}`, parentSpanId: publish.spanId });
    // The publish continues the request's trace: its parent is a span of the request, the store's spans are in it too.
    expect(inTrace(traceId).map((span) => span.spanId)).toContain(publish.parentSpanId);
    expect(
      inTrace(traceId).filter((span) => (span.attributes['db.system'] ?? span.attributes['db.system.name']) === 'mongodb').length,
    ).toBeGreaterThan(0);

    // On the topic: the header carries the publish span; the payload is the contract's, unchanged.
    const message = await waitFor(() => recorder.records.find((record) => record.key === dataset.id), {
      what: 'the dataset.created message',
    });
    expect(message.headers.traceparent).toBe(`00-${traceId}-${publish.spanId}-01`);
    expect(message.headers['x-request-id']).toBe(requestId);
    const event = JSON.parse(message.value ?? '') as Record<string, unknown>;
    expect(event).not.toHaveProperty('origin');
    expect(eventSchemaValidator()(event)).toBe(true);
    expect(foreignOutput).toContain(`handled ${String(event.id)}`);

    // Log lines: the request's (its answer included) and the audit consumer's line for the event.
    const lines = await waitFor(
      () => {
        const parsed = service
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        return parsed.some((line) => line.eventId === event.id) && parsed;
      },
      { what: 'the audit log line of the event' },
    );
    const ofRequest = lines.filter((line) => (line.req as { id?: string } | undefined)?.id === requestId);
    expect(ofRequest.length).toBeGreaterThan(0);
    for (const line of ofRequest) expect(line).toMatchObject({ trace_id: traceId, requestId });
    const stored = lines.filter((line) => line.eventId === event.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ trace_id: traceId, span_id: audit.spanId, requestId });
    // Traces only: the metrics stay Prometheus', the logs pino's.
    expect(receiver.paths.every((exported) => exported === '/v1/traces')).toBe(true);
    recordMeasurement(`tracing: trace ${traceId} of POST /datasets: ${inTrace(traceId).map(brief).join(', ')}`);
  });

  it('stops the boot with one line naming the variable when an OTEL setting is invalid', async () => {
    const app = spawnApp({ ...service.env, PORT: String(await freePort()), OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' });
    const { code } = await app.exited;
    expect(code).toBe(1);
    expect(app.output().trim().split('\n')).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL (got "collector:4318")']);
  });
});

function brief(span: ReceivedSpan): string {
  return `${span.service === 'dataset-registry' ? '' : `${span.service}: `}${span.name}`;
}
