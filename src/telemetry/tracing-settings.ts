/** An OTEL_* setting is wrong: the process prints this one line and exits before anything else starts. */
export class TracingSettingsError extends Error {
  override readonly name = 'TracingSettingsError';
}

export interface TracingSettings {
  /** Whether the OpenTelemetry SDK starts at all. */
  enabled: boolean;
  serviceName: string;
}

const EXPORTERS = new Set(['otlp', 'console', 'none']);
const PROTOCOLS = new Set(['http/protobuf', 'http/json', 'grpc']);
const SAMPLERS = new Set([
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
]);

/**
 * The OTEL_* variables of the OpenTelemetry specification that the SDK reads
 * itself, checked before it reads them (it would only warn, and trace nothing).
 * Tracing is off unless an OTLP endpoint or a traces exporter is named.
 */
export function readTracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const value = (name: string): string | undefined => (env[name]?.trim() ? env[name].trim() : undefined);
  const exporters = value('OTEL_TRACES_EXPORTER')
    ?.split(',')
    .map((name) => name.trim());
  for (const name of exporters ?? []) {
    if (!EXPORTERS.has(name)) fail('OTEL_TRACES_EXPORTER', `must be otlp, console or none`, name);
  }
  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
    const url = value(name);
    if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) fail(name, 'must be an http(s) URL', url);
  }
  for (const name of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']) {
    const protocol = value(name);
    if (protocol !== undefined && !PROTOCOLS.has(protocol)) fail(name, 'must be http/protobuf, http/json or grpc', protocol);
  }
  const sampler = value('OTEL_TRACES_SAMPLER');
  if (sampler !== undefined && !SAMPLERS.has(sampler)) fail('OTEL_TRACES_SAMPLER', `must be one of ${[...SAMPLERS].join(', ')}`, sampler);
  const ratio = value('OTEL_TRACES_SAMPLER_ARG');
  if (ratio !== undefined && sampler?.endsWith('traceidratio') && !(Number(ratio) >= 0 && Number(ratio) <= 1)) {
    fail('OTEL_TRACES_SAMPLER_ARG', 'must be a ratio from 0 to 1', ratio);
  }
  const disabled = value('OTEL_SDK_DISABLED');
  if (disabled !== undefined && !['true', 'false'].includes(disabled)) fail('OTEL_SDK_DISABLED', 'must be true or false', disabled);

  const named =
    exporters !== undefined ||
    value('OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined ||
    value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined;
  const none = exporters !== undefined && exporters.every((name) => name === 'none');
  return { enabled: named && !none && disabled !== 'true', serviceName: value('OTEL_SERVICE_NAME') ?? 'dataset-registry' };
}

function fail(name: string, rule: string, given: string): never {
  throw new TracingSettingsError(`${name} ${rule} (got "${given}")`);
}
