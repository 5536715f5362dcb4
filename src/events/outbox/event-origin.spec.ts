import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { messageLogFields, requestScopeMiddleware } from '../../telemetry/log-context';
import { MessageTrace, PublishSpans } from '../../telemetry/trace-context';
import { toMessage } from '../events.publisher';
import { newEvent, OutboxEvent } from './event-factory';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager().enable();

/** Makes a change as an HTTP request with this id would, inside the request's span. */
function changeInRequest(requestId: string): { event: OutboxEvent; requestSpan: { traceId: string; spanId: string } } {
  const span = trace.getTracer('test').startSpan('POST /datasets', { kind: SpanKind.SERVER });
  let event: OutboxEvent | undefined;
  requestScopeMiddleware({ id: requestId } as IncomingMessage & { id: string }, {} as ServerResponse, () => {
    event = context.with(trace.setSpan(context.active(), span), () =>
      newEvent('user.deleted', '6650c0ffee0000000000a001', 3, { id: '6650c0ffee0000000000a001' }),
    );
  });
  span.end();
  return { event: event as OutboxEvent, requestSpan: span.spanContext() };
}

describe('The origin of an event: outbox → Kafka headers → consumer', () => {
  beforeAll(() => {
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(provider);
  });
  afterEach(() => exporter.reset());
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  it('keeps the request trace context and id with the event, beside the envelope', () => {
    const { event, requestSpan } = changeInRequest('req-1');
    expect(event.origin).toEqual({ traceparent: `00-${requestSpan.traceId}-${requestSpan.spanId}-01`, requestId: 'req-1' });
  });

  it('records no origin outside a request and a trace', () => {
    expect(newEvent('user.deleted', '6650c0ffee0000000000a001', 3, { id: '6650c0ffee0000000000a001' })).not.toHaveProperty('origin');
  });

  it('sends the envelope alone, and a producer span of the same trace in the traceparent header, with the request id', () => {
    const { event, requestSpan } = changeInRequest('req-2');
    const spans = new PublishSpans('msg_collection');
    const message = toMessage(event, spans);
    spans.end();

    const { origin: _origin, ...envelope } = event;
    expect(message.value).toEqual(envelope);
    expect(message.value).not.toHaveProperty('origin');
    const [publish] = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.PRODUCER);
    expect(publish.name).toBe('send msg_collection');
    expect(publish.spanContext().traceId).toBe(requestSpan.traceId);
    expect(publish.parentSpanContext?.spanId).toBe(requestSpan.spanId);
    expect(message.headers).toEqual({
      traceparent: `00-${requestSpan.traceId}-${publish.spanContext().spanId}-01`,
      'x-request-id': 'req-2',
      'event-type': 'user.deleted',
      'event-version': '1',
    });
  });

  it('handles a consumed message in a consumer span under the publish span, its log lines carrying the trace and request ids', () => {
    const { event, requestSpan } = changeInRequest('req-3');
    const spans = new PublishSpans('msg_collection');
    const { headers } = toMessage(event, spans);
    spans.end();
    const received = Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, Buffer.from(value)]));

    const handling = MessageTrace.start('msg_collection', 'registry', received, { partition: 0, offset: '7' });
    const seen = handling.run(() => ({ active: trace.getActiveSpan()?.spanContext(), log: messageLogFields() }));
    handling.end();

    const publish = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.PRODUCER);
    const consumer = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER);
    expect(consumer?.spanContext().traceId).toBe(requestSpan.traceId);
    expect(consumer?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(consumer?.attributes).toMatchObject({ 'messaging.consumer.group.name': 'registry', 'messaging.kafka.offset': 7 });
    expect(seen.active?.spanId).toBe(consumer?.spanContext().spanId);
    expect(seen.log).toEqual({ trace_id: requestSpan.traceId, span_id: consumer?.spanContext().spanId, requestId: 'req-3' });
    expect(messageLogFields()).toEqual({});
  });

  it('passes a stored origin on unchanged while tracing is off', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    trace.disable();
    const headers = new PublishSpans('msg_collection').headersFor({ traceparent, requestId: 'req-4' }, 'key');
    trace.setGlobalTracerProvider(provider);
    expect(headers).toEqual({ traceparent, 'x-request-id': 'req-4' });
  });
});
