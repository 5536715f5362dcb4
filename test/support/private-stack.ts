import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStack, ServiceName, stackEnv, stackSettings } from '../../stack/local-stack';
import { freePort } from './ports';

export interface PrivateStack {
  stack: LocalStack;
  env: { MONGODB_URI: string; KAFKA_BROKERS: string };
  /** Stops everything and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A stack of this test file's own, on free ports and a temporary data folder
 * (sharing the download/build cache), for tests that stop and restart a
 * broker or database without disturbing the other test files.
 */
export async function startPrivateStack(services: ServiceName[] = ['kafka', 'ferretdb']): Promise<PrivateStack> {
  const runDir = mkdtempSync(path.join(tmpdir(), 'registry-stack-'));
  const settings = {
    ...stackSettings(),
    runDir,
    kafkaPort: await freePort(),
    kafkaControllerPort: await freePort(),
    mongoPort: await freePort(),
  };
  const stack = new LocalStack(settings, () => undefined);
  await stack.up(services);
  return {
    stack,
    env: stackEnv(settings),
    destroy: async () => {
      await stack.down();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
