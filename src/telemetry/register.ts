/**
 * Imported first by main.ts: starts tracing (when the OTEL_* variables ask for
 * it) before Nest, Express and the MongoDB driver are loaded. Imports nothing
 * of the application. An invalid setting stops the process with one line.
 */
import { existsSync } from 'node:fs';
import { startTracing } from './tracing';
import { readTracingSettings, TracingSettingsError } from './tracing-settings';

// Values already in the environment win over the .env file (main.ts reads it the same way).
if (existsSync('.env')) process.loadEnvFile('.env');
try {
  startTracing(readTracingSettings(process.env));
} catch (error) {
  if (!(error instanceof TracingSettingsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
