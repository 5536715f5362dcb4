/** Where the local stack lives and on which ports: read from the environment, with defaults. */
import * as path from 'node:path';

export type ServiceName = 'kafka' | 'ferretdb';
export const SERVICES: readonly ServiceName[] = ['kafka', 'ferretdb'];

export const REPO_ROOT = path.resolve(__dirname, '..');
export const KAFKA_POM = path.join(REPO_ROOT, 'stack/kafka/pom.xml');
export const FERRETDB_MODULE = path.join(REPO_ROOT, 'stack/ferretdb');

export interface StackSettings {
  /** Downloads and builds, shared by every stack on this checkout. */
  cacheDir: string;
  /** Data, logs and pids of one running stack. */
  runDir: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  mongoPort: number;
  mongoDatabase: string;
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

export class StackError extends Error {}

/** The connection settings the application reads, pointing at this stack. */
export function stackEnv(settings: StackSettings): { MONGODB_URI: string; KAFKA_BROKERS: string } {
  return {
    MONGODB_URI: `mongodb://127.0.0.1:${settings.mongoPort}/${settings.mongoDatabase}?retryWrites=false`,
    KAFKA_BROKERS: `127.0.0.1:${settings.kafkaPort}`,
  };
}
