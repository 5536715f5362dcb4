import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { AppConfig } from './app-config';
import { ConfigError } from './config-error';
import { EnvironmentVariables } from './environment';
import { archiveConfig } from './archive-config';
import { kafkaSecurity } from './kafka-security-config';
import { oidcConfig, oidcProblems } from './oidc-config';

export { ConfigError } from './config-error';

/**
 * Validates the environment and builds the AppConfig. Throws a ConfigError
 * whose message is one line naming every bad variable and what is wrong.
 */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  // An empty value (`PORT=` in a .env file) means "not set", so defaults apply.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const vars = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const errors = validateSync(vars, { skipMissingProperties: false, forbidUnknownValues: false });
  const problems = [...errors.map(firstMessage), ...crossChecks(vars, new Set(errors.map((error) => error.property)))];
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const oidc = oidcConfig(vars);
  return {
    nodeEnv: vars.NODE_ENV as AppConfig['nodeEnv'],
    http: {
      host: vars.HOST,
      port: vars.PORT,
      jsonBodyLimit: vars.JSON_BODY_LIMIT.toLowerCase(),
      rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE,
      docsEnabled: vars.DOCS_ENABLED,
      metricsEnabled: vars.METRICS_ENABLED,
      corsOrigins: corsOrigins(vars.CORS_ORIGINS),
    },
    auth: {
      ...(vars.BOOTSTRAP_ADMIN_EMAIL ? { bootstrapAdmin: { email: vars.BOOTSTRAP_ADMIN_EMAIL, token: vars.BOOTSTRAP_ADMIN_TOKEN } } : {}),
      ...(oidc ? { oidc } : {}),
      selfRegistration: vars.USERS_SELF_REGISTRATION,
      cacheMs: vars.AUTH_CACHE_SECONDS * 1000,
    },
    logLevel: vars.LOG_LEVEL,
    mongodb: { uri: vars.MONGODB_URI },
    lockTtlMs: vars.LOCK_TTL_SECONDS * 1000,
    trash: { retentionDays: vars.TRASH_RETENTION_DAYS },
    records: { maxBytes: toBytes(vars.RECORDS_MAX_BODY), maxRows: vars.RECORDS_MAX_ROWS },
    kafka: {
      brokers: vars.KAFKA_BROKERS.split(',').map((broker) => broker.trim()),
      clientId: vars.KAFKA_CLIENT_ID,
      groupId: vars.KAFKA_GROUP_ID,
      topic: vars.KAFKA_TOPIC,
      topicPartitions: vars.KAFKA_TOPIC_PARTITIONS,
      security: kafkaSecurity(vars, env),
      timing: {
        requestTimeoutMs: vars.KAFKA_REQUEST_TIMEOUT_MS,
        sessionTimeoutMs: vars.KAFKA_SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: vars.KAFKA_HEARTBEAT_INTERVAL_MS,
        rebalanceTimeoutMs: vars.KAFKA_REBALANCE_TIMEOUT_MS,
      },
    },
    archive: archiveConfig(vars, toBytes(vars.ARCHIVE_MAX_BYTES)),
  };
}

const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `512mb` → 536870912 (the format is validated already). */
function toBytes(size: string): number {
  const [, amount, unit] = /^(\d+)([a-z]+)$/i.exec(size) as RegExpExecArray;
  return Number(amount) * UNIT_BYTES[unit.toLowerCase()];
}

function firstMessage(error: ValidationError): string {
  // One message per variable: "is required" says more than the format rule it also fails.
  const constraints = error.constraints ?? {};
  return constraints.isDefined ?? Object.values(constraints)[0] ?? `${error.property} is invalid`;
}

/** Rules across variables: settings that only make sense together. */
function crossChecks(vars: EnvironmentVariables, invalid: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (vars.BOOTSTRAP_ADMIN_TOKEN && !vars.BOOTSTRAP_ADMIN_EMAIL)
    problems.push('BOOTSTRAP_ADMIN_TOKEN needs BOOTSTRAP_ADMIN_EMAIL (whose token it is)');
  problems.push(...oidcProblems(vars));
  // Timing rules between values that are each valid (a bad one is reported on its own).
  const timing = ['KAFKA_SESSION_TIMEOUT_MS', 'KAFKA_HEARTBEAT_INTERVAL_MS', 'KAFKA_REBALANCE_TIMEOUT_MS'];
  if (timing.some((name) => invalid.has(name))) return problems;
  if (vars.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > vars.KAFKA_SESSION_TIMEOUT_MS)
    problems.push(
      `KAFKA_HEARTBEAT_INTERVAL_MS must be at most a third of KAFKA_SESSION_TIMEOUT_MS (got ${vars.KAFKA_HEARTBEAT_INTERVAL_MS} and ${vars.KAFKA_SESSION_TIMEOUT_MS})`,
    );
  if (vars.KAFKA_REBALANCE_TIMEOUT_MS < vars.KAFKA_SESSION_TIMEOUT_MS)
    problems.push(
      `KAFKA_REBALANCE_TIMEOUT_MS must be at least KAFKA_SESSION_TIMEOUT_MS (got ${vars.KAFKA_REBALANCE_TIMEOUT_MS} and ${vars.KAFKA_SESSION_TIMEOUT_MS})`,
    );
  return problems;
}

function corsOrigins(setting: string | undefined): '*' | string[] {
  if (setting === '*') return '*';
  return (setting ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
}
