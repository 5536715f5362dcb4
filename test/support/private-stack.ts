import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalStack, ServiceName, StackEnv, StackSettings, stackEnv, stackSettings } from '../../stack/local-stack';
import { freePort } from './ports';

export interface PrivateStack {
  stack: LocalStack;
  settings: StackSettings;
  env: StackEnv;
  /** Stops everything and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A stack of this test file's own, on free ports and a temporary data folder
 * (sharing the download/build cache), for tests that stop and restart a
 * broker, database or S3 server without disturbing the other test files.
 * `saslSsl` adds the broker's SASL_SSL listener; `ferretDbWalLimitMb` sets
 * the size past which FerretDB truncates a database's WAL.
 */
export async function startPrivateStack(
  services: ServiceName[] = ['kafka', 'ferretdb'],
  { saslSsl = false, ferretDbWalLimitMb }: { saslSsl?: boolean; ferretDbWalLimitMb?: number } = {},
): Promise<PrivateStack> {
  const runDir = mkdtempSync(path.join(tmpdir(), 'registry-stack-'));
  const settings: StackSettings = {
    ...stackSettings(),
    runDir,
    kafkaPort: await freePort(),
    kafkaControllerPort: await freePort(),
    mongoPort: await freePort(),
    s3Port: await freePort(),
    kafkaSaslSslPort: saslSsl ? await freePort() : undefined,
    ...(ferretDbWalLimitMb === undefined ? {} : { ferretDbWalLimitMb }),
  };
  const stack = new LocalStack(settings, () => undefined);
  await stack.up(services);
  return {
    stack,
    settings,
    env: stackEnv(settings),
    destroy: async () => {
      await stack.down();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
