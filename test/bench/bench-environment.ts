import { randomUUID } from 'node:crypto';
import { LocalStack, ServiceName, stackEnv } from '../../stack/local-stack';
import { AppProcess, spawnApp } from '../support/app-process';
import { freePort } from '../support/ports';
import { deleteTopics } from '../support/kafka';
import { uriWithDatabase, withDatabase } from '../support/mongo';
import { waitFor } from '../support/wait';
import { newAdminToken } from '../support/auth';
import { ignoreNegativeTimeoutWarnings } from '../../src/common/process/node-warnings';

// The benchmarks and the fuzzer talk to Kafka in-process, like the service: kafkajs' negative timer warning is noise.
ignoreNegativeTimeoutWarnings();

export interface BenchEnvironment {
  url: string;
  /** The bootstrap admin's API token: the benchmarks and the fuzzer call the API as this admin. */
  adminToken: string;
  env: NodeJS.ProcessEnv;
  /** The service's process (a new one after restart()). */
  readonly app: AppProcess;
  /** A new process on the same port and data: what is measured next starts from a fresh service. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * MongoDB and Kafka for a benchmark: MONGODB_URI and KAFKA_BROKERS when set,
 * else the local stack's, started if needed (`stopStack` stops what this started).
 */
export async function benchStack(): Promise<{ base: { MONGODB_URI: string; KAFKA_BROKERS: string }; stopStack: () => Promise<void> }> {
  const stack = new LocalStack();
  const missing: ServiceName[] = [];
  if (!process.env.MONGODB_URI) missing.push('ferretdb');
  if (!process.env.KAFKA_BROKERS) missing.push('kafka');
  const started = missing.length > 0 ? await stack.up(missing) : [];
  const base = { ...stackEnv(stack.settings), ...pick(process.env, ['MONGODB_URI', 'KAFKA_BROKERS']) };
  return { base, stopStack: async () => void (started.length > 0 && (await stack.down(started))) };
}

/**
 * The built service (dist/) in a process of its own — so the load generator
 * does not share its event loop — on the local stack (started if needed,
 * stopped afterwards if this started it), with a database and topic of its own,
 * named `<prefix>_<random>` (the fuzzer shares this with the benchmarks).
 */
export async function startBenchEnvironment(extraEnv: NodeJS.ProcessEnv = {}, prefix = 'bench'): Promise<BenchEnvironment> {
  const { base, stopStack } = await benchStack();

  const suffix = randomUUID().slice(0, 8);
  const port = await freePort();
  const adminToken = newAdminToken();
  const env: NodeJS.ProcessEnv = {
    MONGODB_URI: uriWithDatabase(base.MONGODB_URI, `${prefix}_${suffix}`),
    KAFKA_BROKERS: base.KAFKA_BROKERS,
    KAFKA_TOPIC: `${prefix}_msg_collection_${suffix}`,
    KAFKA_GROUP_ID: `${prefix}-${suffix}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // One load generator is one client: the per-client rate limit would measure itself.
    RATE_LIMIT_PER_MINUTE: '0',
    BOOTSTRAP_ADMIN_EMAIL: `admin-${suffix}@example.com`,
    BOOTSTRAP_ADMIN_TOKEN: adminToken,
    ...extraEnv,
  };
  const url = `http://127.0.0.1:${port}`;
  const start = async (): Promise<AppProcess> => {
    const started = spawnApp(env);
    await waitFor(async () => (await fetch(`${url}/health`)).ok, { what: 'the service to start', timeoutMs: 60_000 });
    return started;
  };
  let app = await start();

  return {
    url,
    adminToken,
    env,
    get app() {
      return app;
    },
    restart: async () => {
      app.child.kill('SIGTERM');
      await app.exited;
      app = await start();
    },
    stop: async () => {
      app.child.kill('SIGTERM');
      await app.exited;
      await withDatabase(env.MONGODB_URI ?? '', (db) => db.dropDatabase());
      await deleteTopics((env.KAFKA_BROKERS ?? '').split(','), [env.KAFKA_TOPIC ?? '']);
      await stopStack();
    },
  };
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((name) => env[name]).map((name) => [name, env[name] as string]));
}

/** Prints rows as an aligned text table. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const line = (row: string[]): string => row.map((cell, column) => cell.padStart(widths[column])).join('  ');
  process.stdout.write(`${line(headers)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const row of cells.slice(1)) process.stdout.write(`${line(row)}\n`);
}
