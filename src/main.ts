// First: tracing must be running before Nest and the MongoDB driver are loaded.
import './telemetry/register';
import { existsSync } from 'node:fs';
import { createApp, startApp } from './app.setup';
import { ConfigError, loadConfig } from './config/load-config';
import { KafkaStartupError } from './events/kafka-failures';
import { ignoreNegativeTimeoutWarnings } from './common/process/node-warnings';

ignoreNegativeTimeoutWarnings();

async function bootstrap(): Promise<void> {
  // Values already in the environment win over the .env file.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const app = await createApp(config);
  await startApp(app, config);
}

bootstrap().catch((error: unknown) => {
  // Failures the configuration causes are one line; anything else keeps its stack.
  if (error instanceof KafkaStartupError) {
    process.stderr.write(`Start-up failed: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
