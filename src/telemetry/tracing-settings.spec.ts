import { readTracingSettings, TracingSettingsError } from './tracing-settings';

describe(readTracingSettings.name, () => {
  it('is off unless an OTLP endpoint or a traces exporter is named', () => {
    expect(readTracingSettings({}).enabled).toBe(false);
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).enabled).toBe(false);
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).enabled).toBe(true);
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector:4318/v1/traces' }).enabled).toBe(true);
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'console' }).enabled).toBe(true);
    expect(readTracingSettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).enabled).toBe(false);
    expect(readTracingSettings({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).enabled).toBe(false);
  });

  it('names the service dataset-registry unless OTEL_SERVICE_NAME says otherwise', () => {
    expect(readTracingSettings({}).serviceName).toBe('dataset-registry');
    expect(readTracingSettings({ OTEL_SERVICE_NAME: 'registry-eu' }).serviceName).toBe('registry-eu');
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL (got "collector:4318")'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://x' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL (got "grpc://x")'],
    [{ OTEL_TRACES_EXPORTER: 'otlp,jaeger' }, 'OTEL_TRACES_EXPORTER must be otlp, console or none (got "jaeger")'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }, 'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf, http/json or grpc (got "http")'],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER must be one of'],
    [
      { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
      'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 (got "2")',
    ],
    [{ OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED must be true or false (got "yes")'],
  ])('refuses %j in one line naming the variable', (env, message) => {
    expect(() => readTracingSettings(env)).toThrow(TracingSettingsError);
    expect(() => readTracingSettings(env)).toThrow(message);
  });
});
