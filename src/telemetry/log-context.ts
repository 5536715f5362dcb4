import { trace } from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What every log line written while handling a request or a message carries. */
export interface LogTraceFields {
  trace_id?: string;
  span_id?: string;
  /** The request's id; for a message, the id of the request that made the change. */
  requestId?: string;
}

/** The request being handled (its id is set by pino-http, after this scope opens). */
const requestScope = new AsyncLocalStorage<{ id?: unknown }>();
/** The message being handled: its fields go on every line through pino's mixin. */
const messageScope = new AsyncLocalStorage<LogTraceFields>();
const requestFields = new WeakMap<object, LogTraceFields>();

/** Express middleware, first of all: opens the request's scope, read by currentRequestId(). */
export function requestScopeMiddleware(request: IncomingMessage, _response: ServerResponse, next: () => void): void {
  requestScope.run(request, next);
}

/** The id of the request being handled, if any (the X-Request-Id it was answered with). */
export function currentRequestId(): string | undefined {
  const id = requestScope.getStore()?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * pino-http's customProps: the request's trace and id, bound once to the
 * request's logger (so every line of the request has them). Asked again when
 * the answer is logged, it returns the same, which pino-http then skips.
 */
export function requestLogFields(request: IncomingMessage & { id?: unknown }): LogTraceFields {
  let fields = requestFields.get(request);
  if (!fields) {
    fields = { ...activeTraceFields(), ...(typeof request.id === 'string' ? { requestId: request.id } : {}) };
    requestFields.set(request, fields);
  }
  return fields;
}

/** pino's mixin: the fields of the message being handled, if any (a request's are bound by requestLogFields). */
export function messageLogFields(): LogTraceFields {
  return messageScope.getStore() ?? {};
}

/** Runs `work` as the handling of one message: its log lines carry `fields`. */
export function inMessageScope<T>(fields: LogTraceFields, work: () => T): T {
  return messageScope.run(fields, work);
}

function activeTraceFields(): LogTraceFields {
  const context = trace.getActiveSpan()?.spanContext();
  return context && trace.isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}
