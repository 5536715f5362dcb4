import { Logger } from '@nestjs/common';

/** Background work takes at most this share of the time by default (see runEvery). */
export const MAX_BACKGROUND_SHARE = 0.05;

/**
 * Runs `task` in the background every `everyMs` (at once too with `immediately`), one run at a time,
 * logging a failure as a warning. A slow run pushes the next back so the task keeps to `maxShare` of
 * the time: on FerretDB a sweep scans its collection (docs/architecture.md#background-work).
 * The timer does not keep the process alive; call the returned function to stop.
 */
export function runEvery(
  everyMs: number,
  task: () => Promise<unknown>,
  {
    logger,
    what,
    immediately = false,
    maxShare = MAX_BACKGROUND_SHARE,
  }: { logger: Logger; what: string; immediately?: boolean; maxShare?: number },
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void run(), delayMs);
    timer.unref();
  };
  const run = async (): Promise<void> => {
    const started = Date.now();
    await task().catch((error: Error) => logger.warn(`${what} failed: ${error.message}`));
    schedule(nextDelayMs(everyMs, Date.now() - started, maxShare));
  };
  if (immediately) void run();
  else schedule(everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The pause after a run that took `tookMs`: the period, or longer so the task keeps to its share. */
export function nextDelayMs(everyMs: number, tookMs: number, maxShare: number): number {
  return Math.max(everyMs, tookMs / maxShare - tookMs);
}
