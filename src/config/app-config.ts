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
    /** Requests per identity (per client IP when anonymous) and minute (0: unlimited). */
    readonly rateLimitPerMinute: number;
    /** Whether /docs and /docs-json are served. */
    readonly docsEnabled: boolean;
    /** Origins allowed by CORS: `*`, a list, or none (CORS off). */
    readonly corsOrigins: '*' | readonly string[];
  };
  readonly auth: {
    /** The first admin (see src/auth/bootstrap-admin.ts). */
    readonly bootstrapAdmin?: { readonly email: string; readonly token?: string };
    readonly oidc?: OidcConfig;
    /** An OIDC identity without a user may create its own (POST /users). */
    readonly selfRegistration: boolean;
    /** How long a verified credential is trusted before it is looked up again (0: never cached). */
    readonly cacheMs: number;
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

export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  /** The claim naming the registry user: the identity provider's subject, or the user's e-mail. */
  readonly userClaim: 'sub' | 'email';
  /** Create the user on first sight of a valid token. */
  readonly jitProvisioning: boolean;
  readonly clockToleranceSeconds: number;
  readonly algorithms: readonly string[];
}
