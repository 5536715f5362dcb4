import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import type { IncomingMessage } from 'node:http';
import { TracingSettings } from './tracing-settings';

/** Asked every few seconds by orchestrators and Prometheus: a trace each would drown the rest. */
const UNTRACED_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry SDK: traces only (the metrics are Prometheus', at
 * /metrics; logs are pino's lines on stdout), exported as the OTEL_*
 * variables say. Must run before Nest, Express and the MongoDB driver are
 * loaded, or their instrumentations find nothing to patch.
 *
 * Kafka has no automatic instrumentation here: the relay sends many entities'
 * events in one produce request, each continuing the trace of the request that
 * made it, and the consumers take whole batches; both make their spans
 * themselves (trace-context.ts).
 */
export function startTracing(settings: TracingSettings): void {
  if (!settings.enabled || sdk) return;
  sdk = new NodeSDK({
    serviceName: settings.serviceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.has(pathOf(request)) }),
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new NestInstrumentation(),
      new MongoDBInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

/** Exports the spans still buffered: on shutdown, before the process exits. */
export async function stopTracing(): Promise<void> {
  const started = sdk;
  sdk = undefined;
  await started?.shutdown().catch(() => undefined);
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
