import { existsSync } from 'node:fs';
import { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/load-config';

/** Where the local stack listens: the CLIs' defaults when the environment names no service. */
const LOCAL_STACK = {
  MONGODB_URI: 'mongodb://127.0.0.1:27118/dataset_registry?retryWrites=false',
  KAFKA_BROKERS: '127.0.0.1:19092',
};

/**
 * The service's own validated configuration for a command-line tool: the
 * same variables (and .env file), so TLS, SASL and the archive settings apply
 * exactly as they do to the service; the local stack when none is given.
 */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  return loadConfig({ ...LOCAL_STACK, LOG_LEVEL: 'warn', ...given });
}

/** Prints the message of a failure in one line and exits non-zero. */
export function failCli(name: string, error: unknown): never {
  process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
