import { ConsoleLogger, Logger, LogLevel } from '@nestjs/common';
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Console } from 'node:console';
import { Writable } from 'node:stream';

/**
 * Where the code under test logs: into the buffer of log-on-failure.environment.js, shown only
 * beside a failing test; with TEST_LOG=1, straight to the terminal. Outside jest (benchmarks,
 * the fuzzer) there is no buffer and everything goes to the terminal.
 */
interface TestLogBuffer {
  lines: string[];
  dropped: number;
  maxLines: number;
}

export const TEST_LOG = process.env.TEST_LOG === '1';
const MEASUREMENTS_FILE = path.resolve(__dirname, '../../.test-results/measurements.txt');

function buffer(): TestLogBuffer | undefined {
  return TEST_LOG ? undefined : (globalThis as { __testLog?: TestLogBuffer }).__testLog;
}

export function logLine(line: string): void {
  const log = buffer();
  if (!log) {
    process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
    return;
  }
  log.lines.push(line.replace(/\n$/, ''));
  if (log.lines.length > log.maxLines) {
    log.lines.shift();
    log.dropped += 1;
  }
}

/** A stream of log lines (pino's destination in test apps). */
export function testLogStream(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logLine(line);
      done();
    },
  });
}

/**
 * A number a test measured on the way (peak memory, a count): kept in .test-results/measurements.txt,
 * printed only with TEST_LOG=1. Timings belong in the benchmarks.
 */
export function recordMeasurement(line: string): void {
  mkdirSync(path.dirname(MEASUREMENTS_FILE), { recursive: true });
  appendFileSync(MEASUREMENTS_FILE, `${new Date().toISOString()} ${line}\n`);
  if (TEST_LOG) process.stdout.write(`${line}\n`);
}

/** Routes console.* and Nest's static Logger of this test file into the buffer (jest setupFiles). */
export function quietTestLogs(): void {
  if (TEST_LOG) return;
  globalThis.console = new Console({ stdout: testLogStream(), stderr: testLogStream() });
  Logger.overrideLogger(new BufferedNestLogger());
}

class BufferedNestLogger extends ConsoleLogger {
  constructor() {
    super({ colors: false, timestamp: false });
  }

  protected override printMessages(messages: unknown[], context = '', logLevel: LogLevel = 'log'): void {
    for (const message of messages) {
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      logLine(`[Nest] ${logLevel.toUpperCase()} [${context}] ${text}`);
    }
  }

  protected override printStackTrace(stack: string): void {
    if (stack) logLine(stack);
  }
}
