const INSTALLED = Symbol.for('dataset-registry.negative-timeout-warnings-ignored');

/**
 * kafkajs 2.2.4 (unmaintained, and the Nest Kafka transport's only client) arms a timer with a negative
 * delay whenever it is not throttled (`RequestQueue.scheduleCheckPendingRequests`). Node clamps the
 * delay to 1 ms as it always did, but Node ≥ 23 prints a `TimeoutNegativeWarning` for it, which would
 * break "one line at boot" and fill the logs. This drops that one warning; every other is printed as
 * Node prints it. Call it first thing in every entry point.
 */
export function ignoreNegativeTimeoutWarnings(): void {
  const marked = process as unknown as Record<symbol, boolean>;
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  const nodeHandlers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    for (const handler of nodeHandlers) handler(warning);
  });
}
