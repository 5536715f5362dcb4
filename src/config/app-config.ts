import { LogLevel } from './environment';

/**
 * The validated, structured configuration. Injected by class token; built once
 * at boot by loadConfig() and never read from process.env anywhere else.
 */
export class AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly jsonBodyLimit: string;
    /** Requests per client IP and minute (0: unlimited). */
    readonly rateLimitPerMinute: number;
  };
  readonly logLevel: LogLevel;
  readonly mongodb: { readonly uri: string };
  /** Largest records upload: body bytes and points per request (413 beyond). */
  readonly records: { readonly maxBytes: number; readonly maxRows: number };
  /** How long an entity lock outlives a holder that died (see EntityLocks). */
  readonly lockTtlMs: number;
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly groupId: string;
    /** The topic every change is published on and consumed from (`msg_collection` by default). */
    readonly topic: string;
    /** Partitions used when the service has to create the topic itself. */
    readonly topicPartitions: number;
  };
}
