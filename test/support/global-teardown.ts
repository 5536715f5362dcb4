import { LocalStack, ServiceName } from '../../stack/local-stack';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { stackStartedByTests?: ServiceName[] }).stackStartedByTests ?? [];
  if (started.length > 0) await new LocalStack().down(started);
}
