import { LocalStack, ServiceName, stackEnv } from '../../stack/local-stack';

/**
 * Uses MONGODB_URI / KAFKA_BROKERS when given; otherwise starts (or reuses) the
 * local stack for what is missing. What this run started is stopped by
 * global-teardown.ts.
 */
export default async function globalSetup(): Promise<void> {
  const missing: ServiceName[] = [];
  if (!process.env.MONGODB_URI) missing.push('ferretdb');
  if (!process.env.KAFKA_BROKERS) missing.push('kafka');
  if (missing.length === 0) return;

  const stack = new LocalStack();
  const started = await stack.up(missing);
  const env = stackEnv(stack.settings);
  process.env.MONGODB_URI ??= env.MONGODB_URI;
  process.env.KAFKA_BROKERS ??= env.KAFKA_BROKERS;
  (globalThis as { stackStartedByTests?: ServiceName[] }).stackStartedByTests = started;
}
