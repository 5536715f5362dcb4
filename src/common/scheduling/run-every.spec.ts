import { Logger } from '@nestjs/common';
import { nextDelayMs, runEvery } from './run-every';

describe('runEvery', () => {
  const logger = { warn: jest.fn() } as unknown as Logger;

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits the period after a quick run, and longer after a slow one so the task keeps to its share', () => {
    expect(nextDelayMs(30_000, 100, 0.05)).toBe(30_000);
    expect(nextDelayMs(30_000, 10_000, 0.05)).toBe(190_000);
  });

  it('never starts a run while the last one is still going', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const task = async (): Promise<void> => {
      running++;
      runs++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5_000)); // five periods long
      running--;
    };
    const stop = runEvery(1_000, task, { logger, what: 'test', immediately: true });
    await jest.advanceTimersByTimeAsync(60_000);
    stop();
    expect(most).toBe(1);
    // 5 s of work takes 5 % of 100 s: about one run in the minute after the first.
    expect(runs).toBe(1);
  });

  it('logs a failed run and goes on', async () => {
    const task = jest.fn().mockRejectedValueOnce(new Error('store away')).mockResolvedValue(undefined);
    const stop = runEvery(1_000, task, { logger, what: 'sweep' });
    await jest.advanceTimersByTimeAsync(2_500);
    stop();
    expect(logger.warn).toHaveBeenCalledWith('sweep failed: store away');
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('stops: no run after the returned function is called', async () => {
    const task = jest.fn().mockResolvedValue(undefined);
    const stop = runEvery(1_000, task, { logger, what: 'test' });
    await jest.advanceTimersByTimeAsync(1_500);
    stop();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(task).toHaveBeenCalledTimes(1);
  });
});
