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
    /** Whether GET /metrics is served and requests are timed (see src/metrics). */
    readonly metricsEnabled: boolean;
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
  /** How long a deleted dataset stays restorable in the trash before the trash janitor purges it. */
  readonly trash: { readonly retentionDays: number };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly groupId: string;
    /** The topic every change is published on and consumed from (`msg_collection` by default). */
    readonly topic: string;
    /** Partitions used when the service has to create the topic itself. */
    readonly topicPartitions: number;
    /** TLS and SASL towards the brokers; `{}` is plaintext. */
    readonly security: KafkaSecurity;
    readonly timing: KafkaTiming;
  };
  readonly archive: ArchiveConfig;
}

export type KafkaSaslConfig =
  | { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string }
  /** Amazon MSK IAM: OAUTHBEARER tokens signed with credentials from the standard AWS chain. */
  | { readonly mechanism: 'aws-msk-iam'; readonly region: string };

/** Request and consumer-group timeouts (see consumerGroupTiming in src/events/kafka.transport.ts). */
export interface KafkaTiming {
  readonly requestTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
}

export interface KafkaSecurity {
  /** TLS; the PEM contents were read from the configured files at boot. Absent: plaintext. */
  readonly ssl?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl?: KafkaSaslConfig;
}

/** The archive consumer: every message of the topic to object storage (see src/archive). */
export interface ArchiveConfig {
  readonly enabled: boolean;
  readonly groupId: string;
  /** Put before `<topic>/dt=…` in every key: '' or segments ending in '/'. */
  readonly prefix: string;
  /** An object is written once it holds this many events, this many NDJSON bytes, or its oldest event waited this long. */
  readonly maxEvents: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly s3: S3Config;
}

export interface S3Config {
  readonly bucket: string;
  /** An S3-compatible server; absent means AWS S3. */
  readonly endpoint?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** Absent: the standard AWS credential chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
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
  /** The viewer's own login (src/ui): absent, the viewer only takes a pasted token. */
  readonly viewerLogin?: OidcViewerLogin;
}

/** A public client of the identity provider, for the Authorization Code flow with PKCE run by the viewer in the browser. */
export interface OidcViewerLogin {
  readonly clientId: string;
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  /** Space-separated. */
  readonly scope: string;
}
