/**
 * Reads schemathesis' JSON and NDJSON reports into a summary: totals, failures
 * per check, and each distinct failure with one example request and response.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface FuzzTotals {
  generated: number;
  withFailures: number;
  uniqueFailures: number;
  errors: { title: string; count: number }[];
  failuresPerCheck: { code: string; title: string; count: number; operations: string[] }[];
  phases: Record<string, string>;
  runningTime: number;
}

export interface DistinctFailure {
  operation: string;
  check: string;
  code: string;
  title: string;
  message: string;
  phase: string;
  method: string;
  uri: string;
  requestBody: string | null;
  status: number | null;
  responseBody: string | null;
}

interface JsonReport {
  running_time: number;
  phases: Record<string, { status: string }>;
  test_cases: { generated: number; with_failures: number; unique_failures: number };
  failures: { code: string; title: string; count: number; operations: string[] }[];
  errors: { title: string; count: number }[];
}

export function readTotals(jsonPath: string): FuzzTotals {
  const report = JSON.parse(readFileSync(jsonPath, 'utf8')) as JsonReport;
  return {
    generated: report.test_cases.generated,
    withFailures: report.test_cases.with_failures,
    uniqueFailures: report.test_cases.unique_failures,
    errors: report.errors,
    failuresPerCheck: report.failures,
    phases: Object.fromEntries(Object.entries(report.phases).map(([name, phase]) => [name, phase.status])),
    runningTime: report.running_time,
  };
}

/** Bodies are recorded as `{ $base64 }` or `{ string }`. */
type RecordedBody = { $base64?: string; string?: string } | null | undefined;

interface Interaction {
  request: { method: string; uri: string; body?: RecordedBody };
  response: { status_code: number; content?: RecordedBody } | null;
}

interface CheckResult {
  name: string;
  status: string;
  failure_info?: { failure: { code: string; title: string; message: string } };
}

interface ScenarioFinished {
  phase: string;
  recorder: {
    label: string;
    // Absent for scenarios that generated nothing (schema errors).
    checks?: Record<string, CheckResult[]> | null;
    interactions?: Record<string, Interaction> | null;
  };
}

function decode(body: RecordedBody): string | null {
  if (!body) return null;
  if (body.$base64 !== undefined) return Buffer.from(body.$base64, 'base64').toString('utf8');
  return body.string ?? null;
}

/**
 * Every failed check of every scenario, one per (operation, check, status,
 * message): the first example found stands for the rest.
 */
export function readDistinctFailures(ndjsonPath: string): DistinctFailure[] {
  const seen = new Map<string, DistinctFailure>();
  for (const line of readFileSync(ndjsonPath, 'utf8').split('\n')) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    const scenario = (JSON.parse(line) as { ScenarioFinished: ScenarioFinished }).ScenarioFinished;
    for (const [caseId, checks] of Object.entries(scenario.recorder.checks ?? {})) {
      const interaction = scenario.recorder.interactions?.[caseId];
      for (const check of checks) {
        const failure = check.failure_info?.failure;
        if (check.status !== 'failure' || !failure) continue;
        const status = interaction?.response?.status_code ?? null;
        const operation = interaction
          ? `${interaction.request.method} ${new URL(interaction.request.uri).pathname}`
          : scenario.recorder.label;
        const key = [scenario.recorder.label, check.name, status, failure.message].join('|');
        if (seen.has(key)) continue;
        seen.set(key, {
          operation: scenario.recorder.label === operation ? operation : `${scenario.recorder.label}: ${operation}`,
          check: check.name,
          code: failure.code,
          title: failure.title,
          message: failure.message,
          phase: scenario.phase,
          method: interaction?.request.method ?? '?',
          uri: interaction?.request.uri ?? '?',
          requestBody: decode(interaction?.request.body),
          status,
          responseBody: decode(interaction?.response?.content),
        });
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.check.localeCompare(b.check) || a.operation.localeCompare(b.operation));
}

const clip = (text: string, max = 600): string => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);

export function formatFailures(failures: DistinctFailure[]): string {
  return failures
    .map((failure, i) =>
      [
        `${i + 1}. [${failure.code} ${failure.check}] ${failure.operation} (${failure.phase} phase)`,
        `   ${failure.title}: ${failure.message.replace(/\n/g, ' / ')}`,
        `   request:  ${failure.method} ${failure.uri}`,
        ...(failure.requestBody !== null ? [`   body:     ${clip(failure.requestBody)}`] : []),
        `   response: ${failure.status ?? 'none'} ${clip(failure.responseBody ?? '')}`,
      ].join('\n'),
    )
    .join('\n\n');
}

/** The ST202 failures hooks.py dropped (requests that break a rule the document cannot state), counted by operation and reason. */
export function readDroppedFailures(ndjsonPath: string): { operation: string; reason: string; count: number }[] {
  if (!existsSync(ndjsonPath)) return [];
  const counts = new Map<string, { operation: string; reason: string; count: number }>();
  for (const line of readFileSync(ndjsonPath, 'utf8').split('\n').filter(Boolean)) {
    const { operation, reason } = JSON.parse(line) as { operation: string; reason: string };
    const entry = counts.get(`${operation}|${reason}`) ?? { operation, reason, count: 0 };
    entry.count += 1;
    counts.set(`${operation}|${reason}`, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.operation.localeCompare(b.operation));
}
