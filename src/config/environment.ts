import { Transform } from 'class-transformer';
import { IsBoolean, IsDefined, IsEmail, IsIn, IsInt, IsOptional, IsUrl, Matches, Max, Min } from 'class-validator';
import { API_TOKEN_PATTERN } from './api-token-format';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };
const toBoolean = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? (BOOLEANS[value.trim().toLowerCase()] ?? value) : value;

export const KAFKA_SASL_MECHANISMS = ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'] as const;
export type KafkaSaslMechanismSetting = (typeof KAFKA_SASL_MECHANISMS)[number];
const SIZE = /^[1-9]\d{0,9}(b|kb|mb|gb)$/i;

/** An integer setting in [min, max] (or from min up), with one message naming the variable and the range. */
function IsIntegerSetting(min: number, max?: number): PropertyDecorator {
  return (target, property) => {
    const name = String(property);
    const range =
      max === undefined ? (min === 0 ? 'a non-negative integer' : 'a positive integer') : `an integer between ${min} and ${max}`;
    const message = `${name} must be ${range} (got "$value")`;
    const rules = [Transform(toInteger), IsInt({ message }), Min(min, { message }), ...(max === undefined ? [] : [Max(max, { message })])];
    for (const rule of rules) rule(target, property);
  };
}

/** A boolean setting: true or false (also 1 or 0), with one message naming the variable. */
function IsBooleanSetting(): PropertyDecorator {
  return (target, property) => {
    const message = `${String(property)} must be true or false (got "$value")`;
    Transform(toBoolean)(target, property);
    IsBoolean({ message })(target, property);
  };
}

/** An optional http(s) URL (a host name without a dot too: a service on a private network), one message naming the variable. */
function IsOptionalHttpUrlSetting(): PropertyDecorator {
  return (target, property) => {
    const message = `${String(property)} must be an http(s) URL (got "$value")`;
    IsOptional()(target, property);
    IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message })(target, property);
  };
}

/**
 * Every setting the service reads, exactly as named in the environment.
 * Validated once at boot (see load-config.ts); the rest of the code reads the
 * structured AppConfig built from it.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'], { message: 'NODE_ENV must be one of development, production, test (got "$value")' })
  NODE_ENV = 'development';

  @IsIntegerSetting(1, 65535)
  PORT = 3000;

  @Matches(/^[\w.:-]+$/, { message: 'HOST must be a host name or IP address (got "$value")' })
  HOST = '0.0.0.0';

  // Large enough for a bulk request of 1,000 items; larger JSON bodies get a 413.
  @Matches(/^[1-9]\d{0,9}(b|kb|mb)$/i, { message: 'JSON_BODY_LIMIT must be a size such as 512kb or 5mb (got "$value")' })
  JSON_BODY_LIMIT = '5mb';

  // Records uploads are streamed, so these bound a request, not the memory it takes.
  @Matches(/^[1-9]\d{0,12}(b|kb|mb|gb)$/i, { message: 'RECORDS_MAX_BODY must be a size such as 512mb or 2gb (got "$value")' })
  RECORDS_MAX_BODY = '1gb';

  @IsIntegerSetting(1)
  RECORDS_MAX_ROWS = 20_000_000;

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "$value")` })
  LOG_LEVEL: LogLevel = 'info';

  // The value is not echoed back: a connection string may carry a password.
  @IsDefined({ message: 'MONGODB_URI is required (a mongodb:// or mongodb+srv:// connection string)' })
  @Matches(/^mongodb(\+srv)?:\/\/[^/?#\s]+(\/[^?#\s]*)?(\?\S*)?$/, {
    message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// connection string',
  })
  MONGODB_URI: string;

  @IsDefined({ message: 'KAFKA_BROKERS is required (a comma-separated host:port list, e.g. 127.0.0.1:19092)' })
  @Matches(/^\s*[\w.-]+:\d{1,5}\s*(,\s*[\w.-]+:\d{1,5}\s*)*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port (got "$value")',
  })
  KAFKA_BROKERS: string;

  @Matches(/^[\w.-]{1,128}$/, { message: 'KAFKA_CLIENT_ID must be 1-128 letters, digits, ".", "_" or "-" (got "$value")' })
  KAFKA_CLIENT_ID = 'dataset-registry';

  @Matches(/^[\w.-]{1,128}$/, { message: 'KAFKA_GROUP_ID must be 1-128 letters, digits, ".", "_" or "-" (got "$value")' })
  KAFKA_GROUP_ID = 'dataset-registry';

  // Kafka's own rule for topic names; ".dlq" is appended for the dead-letter topic.
  @Matches(/^[\w.-]{1,245}$/, { message: 'KAFKA_TOPIC must be 1-245 letters, digits, ".", "_" or "-" (got "$value")' })
  KAFKA_TOPIC = 'msg_collection';

  // Locks are leases renewed every third of this while their holder works: a killed holder's locks free after this long.
  @IsIntegerSetting(2, 3600)
  LOCK_TTL_SECONDS = 6;

  // A deleted dataset stays in the trash (restorable, its name reserved) this many days before it is purged; 0: at the next sweep.
  @IsIntegerSetting(0, 3650)
  TRASH_RETENTION_DAYS = 30;

  // Requests per client IP and minute before a 429; 0 turns the limit off.
  @IsIntegerSetting(0)
  RATE_LIMIT_PER_MINUTE = 6000;

  @IsOptional()
  @IsIntegerSetting(1, 1000)
  KAFKA_TOPIC_PARTITIONS = 3;

  // ---- Kafka timing (why each value: .env.example and docs/operations.md#running-several-instances) ----

  // Longest wait for one broker answer (produce, metadata, fetch); a request that can block on the group is given longer.
  @IsIntegerSetting(1000, 300_000)
  KAFKA_REQUEST_TIMEOUT_MS = 10_000;

  // A member that stops heartbeating is dropped from the group after this long; brokers accept 6000-1800000 by default.
  @IsIntegerSetting(6000, 1_800_000)
  KAFKA_SESSION_TIMEOUT_MS = 10_000;

  // Heartbeats per session: at most a third of KAFKA_SESSION_TIMEOUT_MS, so one lost heartbeat is not a death.
  @IsIntegerSetting(100, 600_000)
  KAFKA_HEARTBEAT_INTERVAL_MS = 3000;

  // How long a rebalance waits for the live members to rejoin (they finish the message in hand first).
  @IsIntegerSetting(1000, 1_800_000)
  KAFKA_REBALANCE_TIMEOUT_MS = 15_000;

  // ---- Kafka security (TLS, SASL); see kafka-security-config.ts for the rules between them ----

  @IsBooleanSetting()
  KAFKA_SSL = false;

  // PEM files, read at boot. Without a CA file the system's trusted CAs apply.
  @IsOptional()
  @Matches(/^\S+$/, { message: 'KAFKA_SSL_CA_FILE must be a file path (got "$value")' })
  KAFKA_SSL_CA_FILE?: string;

  @IsOptional()
  @Matches(/^\S+$/, { message: 'KAFKA_SSL_CERT_FILE must be a file path (got "$value")' })
  KAFKA_SSL_CERT_FILE?: string;

  @IsOptional()
  @Matches(/^\S+$/, { message: 'KAFKA_SSL_KEY_FILE must be a file path (got "$value")' })
  KAFKA_SSL_KEY_FILE?: string;

  @IsIn(KAFKA_SASL_MECHANISMS, { message: `KAFKA_SASL_MECHANISM must be one of ${KAFKA_SASL_MECHANISMS.join(', ')} (got "$value")` })
  KAFKA_SASL_MECHANISM: KafkaSaslMechanismSetting = 'none';

  @IsOptional()
  @Matches(/^[^\s,=]{1,256}$/, { message: 'KAFKA_SASL_USERNAME must be 1-256 characters without spaces, "," or "=" (got "$value")' })
  KAFKA_SASL_USERNAME?: string;

  // Never echoed back.
  @IsOptional()
  @Matches(/^.{1,1024}$/, { message: 'KAFKA_SASL_PASSWORD must be 1-1024 characters on one line' })
  KAFKA_SASL_PASSWORD?: string;

  // Region of the MSK cluster for IAM tokens; AWS_REGION when not set.
  @IsOptional()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'KAFKA_AWS_REGION must be an AWS region such as eu-west-1 (got "$value")' })
  KAFKA_AWS_REGION?: string;

  // ---- The archive: every message of the topic to S3-compatible storage ----

  @IsBooleanSetting()
  ARCHIVE_ENABLED = false;

  // Default: KAFKA_GROUP_ID + "-archive".
  @IsOptional()
  @Matches(/^[\w.-]{1,128}$/, { message: 'ARCHIVE_GROUP_ID must be 1-128 letters, digits, ".", "_" or "-" (got "$value")' })
  ARCHIVE_GROUP_ID?: string;

  // Put before the topic name in every key, e.g. "kafka-archive/".
  @IsOptional()
  @Matches(/^([\w.=-]+\/)+$/, { message: 'ARCHIVE_PREFIX must be path segments each ending in "/", e.g. archive/ (got "$value")' })
  ARCHIVE_PREFIX?: string;

  @IsIntegerSetting(1, 1_000_000)
  ARCHIVE_MAX_EVENTS = 10_000;

  // Uncompressed NDJSON bytes of one object.
  @Matches(SIZE, { message: 'ARCHIVE_MAX_BYTES must be a size such as 512kb or 16mb (got "$value")' })
  ARCHIVE_MAX_BYTES = '16mb';

  @IsIntegerSetting(1, 86_400)
  ARCHIVE_MAX_AGE_SECONDS = 60;

  // S3 naming rules for buckets.
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'ARCHIVE_S3_BUCKET must be a bucket name: 3-63 lower-case letters, digits, "." or "-" (got "$value")',
  })
  ARCHIVE_S3_BUCKET = 'dataset-registry-archive';

  // Empty: AWS S3 itself. Otherwise the URL of an S3-compatible server.
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+\/?$/, { message: 'ARCHIVE_S3_ENDPOINT must be an http(s):// URL without a path (got "$value")' })
  ARCHIVE_S3_ENDPOINT?: string;

  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'ARCHIVE_S3_REGION must be a region such as us-east-1 (got "$value")' })
  ARCHIVE_S3_REGION = 'us-east-1';

  @IsBooleanSetting()
  ARCHIVE_S3_FORCE_PATH_STYLE = false;

  // Both or neither; neither means the standard AWS credential chain.
  @IsOptional()
  @Matches(/^\S{1,256}$/, { message: 'ARCHIVE_S3_ACCESS_KEY_ID must be 1-256 characters without spaces' })
  ARCHIVE_S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @Matches(/^\S{1,256}$/, { message: 'ARCHIVE_S3_SECRET_ACCESS_KEY must be 1-256 characters without spaces' })
  ARCHIVE_S3_SECRET_ACCESS_KEY?: string;

  // ---- access: see src/auth, src/access and docs/api.md#authentication-and-access -------------

  // The first admin: a user with this e-mail is made an admin at boot (created if missing), and
  // BOOTSTRAP_ADMIN_TOKEN is registered as an API token of theirs with every scope.
  @IsOptional()
  @IsEmail({}, { message: 'BOOTSTRAP_ADMIN_EMAIL must be an e-mail address' })
  BOOTSTRAP_ADMIN_EMAIL?: string;

  // Not echoed back: it is a secret.
  @IsOptional()
  @Matches(API_TOKEN_PATTERN, {
    message: 'BOOTSTRAP_ADMIN_TOKEN must be a registry API token (dsr_<16 hex>_<43 base64url>, e.g. from `npm run admin -- new-token`)',
  })
  BOOTSTRAP_ADMIN_TOKEN?: string;

  // OpenID Connect: JWTs from the platform's identity provider, verified against its JWKS.
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'OIDC_ISSUER must be a URL (got "$value")' })
  OIDC_ISSUER?: string;

  @IsOptional()
  @Matches(/^\S{1,512}$/, { message: 'OIDC_AUDIENCE must be the audience the tokens are issued for (got "$value")' })
  OIDC_AUDIENCE?: string;

  @IsOptionalHttpUrlSetting()
  OIDC_JWKS_URL?: string;

  // The viewer's "Sign in with OIDC" (code flow with PKCE): its public client at the provider, redirect URI <registry>/ui.
  @IsOptional()
  @Matches(/^[\x21-\x7E]{1,256}$/, { message: 'OIDC_VIEWER_CLIENT_ID must be 1-256 visible characters without spaces (got "$value")' })
  OIDC_VIEWER_CLIENT_ID?: string;

  // The provider's authorization_endpoint and token_endpoint, as listed in <issuer>/.well-known/openid-configuration.
  @IsOptionalHttpUrlSetting()
  OIDC_AUTHORIZATION_URL?: string;

  @IsOptionalHttpUrlSetting()
  OIDC_TOKEN_URL?: string;

  @Matches(/^[!#-[\]-~]+( [!#-[\]-~]+)*$/, { message: 'OIDC_VIEWER_SCOPE must be space-separated scope names (got "$value")' })
  OIDC_VIEWER_SCOPE = 'openid';

  @IsIn(['sub', 'email'], { message: 'OIDC_USER_CLAIM must be sub or email (got "$value")' })
  OIDC_USER_CLAIM: 'sub' | 'email' = 'sub';

  @IsBooleanSetting()
  OIDC_JIT_PROVISIONING = false;

  @IsIntegerSetting(0, 300)
  OIDC_CLOCK_SKEW_SECONDS = 30;

  @Matches(/^(RS|PS|ES)(256|384|512)(,(RS|PS|ES)(256|384|512)|,EdDSA)*$|^EdDSA(,(RS|PS|ES)(256|384|512)|,EdDSA)*$/, {
    message: 'OIDC_ALGORITHMS must be a comma-separated list of RS256, PS256, ES256 (or 384/512) and EdDSA (got "$value")',
  })
  OIDC_ALGORITHMS = 'RS256,PS256,ES256,EdDSA';

  // An OIDC identity with no registry user yet may create its own with POST /users.
  @IsBooleanSetting()
  USERS_SELF_REGISTRATION = false;

  // How long a verified token is trusted before it is looked up again (revocation on another
  // instance takes effect within this; on the instance that revokes it, at once). 0: every request.
  @IsIntegerSetting(0, 300)
  AUTH_CACHE_SECONDS = 5;

  @IsBooleanSetting()
  DOCS_ENABLED = true;

  // GET /metrics (Prometheus, admin-only) and the instrumentation behind it; false serves a 404 and records nothing per request.
  @IsBooleanSetting()
  METRICS_ENABLED = true;

  // Origins allowed to call the API from a browser: comma-separated, or * for any. Empty: CORS off.
  @IsOptional()
  @Matches(/^(\*|https?:\/\/[\w.-]+(:\d{1,5})?(\s*,\s*https?:\/\/[\w.-]+(:\d{1,5})?)*)$/, {
    message: 'CORS_ORIGINS must be * or a comma-separated list of origins such as https://app.example.com (got "$value")',
  })
  CORS_ORIGINS?: string;
}
