/** Where the local stack lives and on which ports: read from the environment, with defaults. */
import * as path from 'node:path';

export type ServiceName = 'kafka' | 'ferretdb' | 's3';
export const SERVICES: readonly ServiceName[] = ['kafka', 'ferretdb', 's3'];
/** What `up` and `run` start when no service is named: the two the service cannot run without. */
export const DEFAULT_SERVICES: readonly ServiceName[] = ['kafka', 'ferretdb'];

export const REPO_ROOT = path.resolve(__dirname, '..');
export const KAFKA_POM = path.join(REPO_ROOT, 'stack/kafka/pom.xml');
export const FERRETDB_MODULE = path.join(REPO_ROOT, 'stack/ferretdb');
export const S3PROXY_POM = path.join(REPO_ROOT, 'stack/s3proxy/pom.xml');

/** Local-only credentials: S3Proxy's identity and the SCRAM user of the SASL_SSL listener. */
export const S3_CREDENTIALS = { accessKeyId: 'local-stack', secretAccessKey: 'local-stack-secret' };
export const SCRAM_USER = { username: 'registry', password: 'registry-local-secret' };

export interface StackSettings {
  /** Downloads and builds, shared by every stack on this checkout. */
  cacheDir: string;
  /** Data, logs and pids of one running stack. */
  runDir: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  mongoPort: number;
  mongoDatabase: string;
  s3Port: number;
  /** A SASL_SSL (SCRAM-SHA-512) listener beside the plaintext one; undefined: none. */
  kafkaSaslSslPort?: number;
  /** FerretDB truncates a database's SQLite WAL once it grows past this (stack/ferretdb/wal.go). */
  ferretDbWalLimitMb: number;
}

export function stackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const kafkaPort = portFrom(env, 'STACK_KAFKA_PORT', 19092);
  const root = path.resolve(env.STACK_DIR ?? path.join(REPO_ROOT, '.local-stack'));
  return {
    cacheDir: path.join(root, 'cache'),
    runDir: path.join(root, 'run'),
    kafkaPort,
    kafkaControllerPort: portFrom(env, 'STACK_KAFKA_CONTROLLER_PORT', kafkaPort + 1),
    mongoPort: portFrom(env, 'STACK_MONGODB_PORT', 27118),
    mongoDatabase: env.STACK_MONGODB_DATABASE ?? 'dataset_registry',
    s3Port: portFrom(env, 'STACK_S3_PORT', 19000),
    // Off by default: the TLS material and SCRAM user cost a few seconds at the first start.
    kafkaSaslSslPort: env.STACK_KAFKA_SASL_SSL === '1' ? portFrom(env, 'STACK_KAFKA_SASL_SSL_PORT', kafkaPort + 2) : undefined,
    ferretDbWalLimitMb: positiveIntegerFrom(env, 'STACK_FERRETDB_WAL_LIMIT_MB', 64),
  };
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StackError(`${name} must be a TCP port between 1 and 65535 (got "${raw}")`);
  }
  return port;
}

function positiveIntegerFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new StackError(`${name} must be a whole number of at least 1 (got "${raw}")`);
  return value;
}

export class StackError extends Error {}

export interface StackEnv {
  MONGODB_URI: string;
  KAFKA_BROKERS: string;
  ARCHIVE_S3_ENDPOINT: string;
  ARCHIVE_S3_REGION: string;
  ARCHIVE_S3_FORCE_PATH_STYLE: string;
  ARCHIVE_S3_ACCESS_KEY_ID: string;
  ARCHIVE_S3_SECRET_ACCESS_KEY: string;
}

/** The connection settings the application reads, pointing at this stack (the archive stays off until ARCHIVE_ENABLED=true). */
export function stackEnv(settings: StackSettings): StackEnv {
  return {
    MONGODB_URI: `mongodb://127.0.0.1:${settings.mongoPort}/${settings.mongoDatabase}?retryWrites=false`,
    KAFKA_BROKERS: `127.0.0.1:${settings.kafkaPort}`,
    ARCHIVE_S3_ENDPOINT: `http://127.0.0.1:${settings.s3Port}`,
    ARCHIVE_S3_REGION: 'us-east-1',
    ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
    ARCHIVE_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    ARCHIVE_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
  };
}

/** Where the CA the SASL_SSL listener's certificate chains to is kept, for KAFKA_SSL_CA_FILE. */
export function kafkaTlsDir(settings: StackSettings): string {
  return path.join(settings.cacheDir, 'tls');
}

/** The settings that make the service use the SASL_SSL listener instead of the plaintext one. */
export function saslSslEnv(settings: StackSettings): Record<string, string> {
  if (settings.kafkaSaslSslPort === undefined) throw new StackError('the SASL_SSL listener is off (STACK_KAFKA_SASL_SSL=1 turns it on)');
  return {
    KAFKA_BROKERS: `127.0.0.1:${settings.kafkaSaslSslPort}`,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: path.join(kafkaTlsDir(settings), 'ca.pem'),
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: SCRAM_USER.username,
    KAFKA_SASL_PASSWORD: SCRAM_USER.password,
  };
}
