import { Logger } from '@nestjs/common';

/**
 * Runs `task` every `everyMs` (and at once with `immediately`) in the
 * background, logging a failure as a warning instead of letting it escape.
 * The timer does not keep the process alive; call the returned function to stop.
 */
export function runEvery(
  everyMs: number,
  task: () => Promise<unknown>,
  { logger, what, immediately = false }: { logger: Logger; what: string; immediately?: boolean },
): () => void {
  const run = (): void => {
    task().catch((error: Error) => logger.warn(`${what} failed: ${error.message}`));
  };
  if (immediately) run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
