import { Context, context, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, TextMapGetter, TextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { currentRequestId, inMessageScope, LogTraceFields } from './log-context';

/** W3C Trace Context headers, and the id of the request that made a change, on each Kafka message. */
export const TRACEPARENT_HEADER = 'traceparent';
export const TRACESTATE_HEADER = 'tracestate';
/** The id of a request: the HTTP header it comes in and goes out with, and the Kafka header of its events. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Where a change came from: the W3C trace context and the id of the request
 * that made it. Kept with its event in the outbox, sent as Kafka headers (never
 * in the payload), so the relay and every consumer continue that request's trace.
 */
export interface EventOrigin {
  traceparent?: string;
  tracestate?: string;
  requestId?: string;
}

/** Kafka header values as kafkajs gives them. */
export type MessageHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

const TRACER = 'dataset-registry';
// Used directly, not through the global propagator: the headers are the contract whatever OTEL_PROPAGATORS says.
const w3c = new W3CTraceContextPropagator();
const headerGetter: TextMapGetter<MessageHeaders> = { keys: (headers) => Object.keys(headers), get: headerValue };

const headerSetter: TextMapSetter<Record<string, string>> = { set: (headers, name, value) => (headers[name] = value) };

function headerValue(headers: MessageHeaders, name: string): string | undefined {
  const value = headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** The origin of a change made now: the active trace (none while tracing is off) and the request being handled. */
export function currentOrigin(): EventOrigin | undefined {
  const origin: EventOrigin = { ...traceHeaders(context.active()) };
  const requestId = currentRequestId();
  if (requestId !== undefined) origin.requestId = requestId;
  return Object.keys(origin).length > 0 ? origin : undefined;
}

/**
 * The producer spans of one produce request: one per message, each a child of
 * its event's origin, so each message continues the trace of the request that
 * made its change (many requests' events go out in one request).
 */
export class PublishSpans {
  private readonly spans: Span[] = [];

  constructor(private readonly topic: string) {}

  /** Starts the span of one message; returns the headers that carry it (and the origin's request id). */
  headersFor(origin: EventOrigin | undefined, key: string): Record<string, string> {
    const parent = origin ? w3c.extract(ROOT_CONTEXT, origin, headerGetter) : ROOT_CONTEXT;
    const span = trace.getTracer(TRACER).startSpan(
      `send ${this.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': this.topic,
          'messaging.kafka.message.key': key,
        },
      },
      parent,
    );
    this.spans.push(span);
    // While tracing is off the span is the origin's own context: the headers pass it on unchanged.
    const headers = traceHeaders(trace.setSpan(parent, span));
    if (origin?.requestId !== undefined) headers[REQUEST_ID_HEADER] = origin.requestId;
    return headers;
  }

  end(error?: unknown): void {
    for (const span of this.spans) {
      if (error !== undefined) failed(span, error);
      span.end();
    }
    this.spans.length = 0;
  }
}

/**
 * The consumer span of one message, a child of the span that sent it, and the
 * scope its handling runs in: the active context for the store's spans, and
 * the trace and request ids on every log line.
 */
export class MessageTrace {
  private constructor(
    private readonly span: Span,
    private readonly context: Context,
    private readonly logFields: LogTraceFields,
  ) {}

  static start(topic: string, group: string, headers: MessageHeaders, position: { partition: number; offset: string }): MessageTrace {
    const parent = w3c.extract(ROOT_CONTEXT, headers, headerGetter);
    const span = trace.getTracer(TRACER).startSpan(
      `process ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.consumer.group.name': group,
          'messaging.destination.partition.id': String(position.partition),
          'messaging.kafka.offset': Number(position.offset),
        },
      },
      parent,
    );
    const spanContext = span.spanContext();
    const requestId = headerValue(headers, REQUEST_ID_HEADER);
    const logFields: LogTraceFields = trace.isSpanContextValid(spanContext)
      ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
      : {};
    if (requestId !== undefined) logFields.requestId = requestId;
    return new MessageTrace(span, trace.setSpan(parent, span), logFields);
  }

  /** Runs part of the message's handling in its trace. */
  run<T>(work: () => T): T {
    return context.with(this.context, () => inMessageScope(this.logFields, work));
  }

  end(error?: unknown): void {
    if (error !== undefined) failed(this.span, error);
    this.span.end();
  }
}

/** `traceparent` (and `tracestate`) of a context; nothing for a context without a valid span. */
function traceHeaders(of: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  w3c.inject(of, headers, headerSetter);
  return headers;
}

function failed(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : message);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
