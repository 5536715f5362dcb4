import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Api } from './support/auth';
import { createCa } from '../stack/kafka-tls';
import { saslSslEnv } from '../stack/local-stack';
import { spawnApp } from './support/app-process';
import { uriWithDatabase } from './support/mongo';
import { freePort } from './support/ports';
import { PrivateStack, startPrivateStack } from './support/private-stack';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

/**
 * The service against a broker's SASL_SSL listener (SCRAM-SHA-512 over TLS,
 * with the local stack's CA): the whole write → event → audit log path, and
 * the boot failures a wrong password or an untrusted CA must cause.
 */
describe('Kafka over SASL_SSL (e2e)', () => {
  let privateStack: PrivateStack;
  let sasl: Record<string, string>;
  const scratch = mkdtempSync(path.join(tmpdir(), 'sasl-ssl-e2e-'));

  beforeAll(async () => {
    privateStack = await startPrivateStack(['kafka'], { saslSsl: true });
    sasl = saslSslEnv(privateStack.settings);
  });

  const testApp = useTestApp(() => sasl);
  const api = (): Api => testApp.api();

  afterAll(async () => {
    await privateStack?.destroy();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('publishes and consumes through SASL_SSL: a new user reaches the audit log', async () => {
    const created = await api().post('/users').send({ name: 'Sasl Ssl', email: 'sasl-ssl@example.com' }).expect(201);
    const userId = (created.body as { id: string }).id;
    const events = await waitFor(
      async () => {
        const page = await api().get('/events').query({ entityId: userId });
        const items = (page.body as { items: { type: string; topic: string }[] }).items;
        return items.length > 0 ? items : undefined;
      },
      { what: 'user.created in the audit log', timeoutMs: 30_000 },
    );
    expect(events).toEqual([expect.objectContaining({ type: 'user.created', topic: testApp.config.kafka.topic })]);
  });

  it('reports the security mode on /health', async () => {
    const health = await api().get('/health').expect(200);
    expect(health.body).toMatchObject({ details: { kafka: { status: 'up', security: 'SASL_SSL/SCRAM-SHA-512' } } });
  });

  /** Boots the built service with `env` on top of the SASL_SSL settings; resolves with its exit code and output lines. */
  async function bootFailure(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
    const app = spawnApp({
      ...sasl,
      MONGODB_URI: uriWithDatabase(process.env.MONGODB_URI ?? '', 'e2e_sasl_boot'),
      KAFKA_TOPIC: 'e2e_sasl_boot',
      PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      ...env,
    });
    const { code } = await app.exited;
    return { code, lines: app.output().trim().split('\n') };
  }

  it('stops the boot with one line naming the credentials when the password is wrong', async () => {
    const { code, lines } = await bootFailure({ KAFKA_SASL_PASSWORD: 'not-the-password-4711' });
    expect(code).toBe(1);
    expect(lines).toEqual([
      'Start-up failed: Kafka: authentication failed (SASL_SSL/SCRAM-SHA-512 for user "registry") — check KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD',
    ]);
  });

  it('stops the boot with one line naming the CA file when the broker certificate is not trusted', async () => {
    const untrusted = createCa(path.join(scratch, 'other-ca'), 'some-other-ca');
    const { code, lines } = await bootFailure({ KAFKA_SSL_CA_FILE: untrusted });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Start-up failed: Kafka: TLS certificate not trusted \([A-Z_]+\) — check KAFKA_SSL_CA_FILE$/);
  });
});
