// Prints CI's counted total from what actually ran: jest's JSON results and the fuzzer's report.
// Usage: node .ci/summary.js <npm test exit code> <fuzzer exit code | skipped>
// The last line is `ci: N passed, M failed`. A step that failed without a counted failing test
// (install, build, lint, a crashed run) counts as one failure of its own.
'use strict';
const fs = require('node:fs');

const [testExit, fuzzExit] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const lines = [];

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const jest = readJson('.test-results/jest.json');
if (jest) {
  const broken = jest.numRuntimeErrorTestSuites ?? 0;
  passed += jest.numPassedTests;
  failed += jest.numFailedTests + broken;
  lines.push(
    `jest: ${jest.numPassedTests} passed, ${jest.numFailedTests} failed, ${jest.numPendingTests + (jest.numTodoTests ?? 0)} skipped` +
      ` in ${jest.numTotalTestSuites} suites (${broken} could not run)`,
  );
  if (testExit !== '0' && jest.numFailedTests + broken === 0) {
    failed += 1;
    lines.push(`npm test exited ${testExit} although no test failed: counted as one failure`);
  }
} else {
  failed += 1;
  lines.push(`npm test exited ${testExit} before jest wrote its results (install, build, typecheck or lint): counted as one failure`);
}

if (fuzzExit === 'skipped') {
  lines.push('fuzz: not run, because npm test failed');
} else {
  const report = readJson('.fuzz-report/report.json');
  const cases = report ? `${report.test_cases?.generated ?? '?'} cases` : 'no report';
  if (fuzzExit === '0' && report) passed += 1;
  else failed += 1;
  lines.push(`fuzz: ${fuzzExit === '0' && report ? 'passed' : `failed (exit ${fuzzExit})`}, ${cases}; counted as one test`);
}

for (const line of lines) process.stdout.write(`ci: ${line}\n`);
process.stdout.write(`ci: ${passed} passed, ${failed} failed\n`);
