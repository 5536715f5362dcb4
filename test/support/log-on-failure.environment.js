// The jest environment of every test file: Node's, plus a buffer for what the code under test logs.
// A green test prints nothing; a failing one gets the buffered lines beside its assertion error.
// TEST_LOG=1 prints everything as it happens instead (test/support/test-log.ts).
'use strict';
const { TestEnvironment } = require('jest-environment-node');

const MAX_LINES = 400;

class LogOnFailureEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.log = { lines: [], dropped: 0, maxLines: MAX_LINES };
    this.global.__testLog = this.log;
  }

  handleTestEvent(event) {
    if (event.name === 'test_done') {
      if (event.test.errors.length > 0 && this.log.lines.length > 0) event.test.errors.push(this.logAsError());
      this.clear();
    } else if (event.name === 'hook_failure' && this.log.lines.length > 0) {
      process.stderr.write(`${this.logAsError().stack}\n`);
      this.clear();
    }
  }

  logAsError() {
    const dropped = this.log.dropped > 0 ? ` (the first ${this.log.dropped} dropped)` : '';
    const text = `What the code under test logged since the previous test${dropped}:\n  ${this.log.lines.join('\n  ')}`;
    const error = new Error(text);
    // Shown as it is: no stack of this environment's own.
    error.stack = text;
    return error;
  }

  clear() {
    this.log.lines.length = 0;
    this.log.dropped = 0;
  }
}

module.exports = LogOnFailureEnvironment;
