import request from 'supertest';
import { PrivateStack, startPrivateStack } from './support/private-stack';
import { Scrape } from './support/prometheus-text';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

/** Stops and restarts the dependencies of a running service: they are private to this file. */
describe('GET /health when a dependency goes away (e2e)', () => {
  let privateStack: PrivateStack;

  beforeAll(async () => {
    privateStack = await startPrivateStack();
  });

  // The Kafka client logs every reconnect attempt while the broker is down; the assertions say enough.
  const testApp = useTestApp(() => ({ ...privateStack.env, LOG_LEVEL: 'fatal' }));

  afterAll(async () => {
    await privateStack?.destroy();
  });

  const health = async (): Promise<request.Response> => testApp.api().get('/health');
  const outbox = async (): Promise<{ entities: number; oldestAge: number }> => {
    const scrape = Scrape.of((await testApp.api().get('/metrics').expect(200)).text);
    return {
      entities: scrape.sum('registry_outbox_entities_waiting'),
      oldestAge: scrape.sum('registry_outbox_oldest_waiting_age_seconds'),
    };
  };
  const probe = async (path: '/health/live' | '/health/ready'): Promise<request.Response> => request(testApp.url).get(path);

  it('answers the probes without credentials: live, and ready with MongoDB, Kafka and the consumer', async () => {
    expect((await probe('/health/live')).body).toEqual({ status: 'ok', uptime: expect.any(Number) });
    const ready = await probe('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details).toMatchObject({ mongodb: { status: 'up' }, kafka: { status: 'up' }, consumer: { status: 'up' } });
  });

  it('is 200 with both dependencies up', async () => {
    const response = await health();
    expect(response.status).toBe(200);
    expect(response.body.details).toMatchObject({ mongodb: { status: 'up' }, kafka: { status: 'up' } });
  });

  it('is 503 naming kafka while the broker is down, and 200 again once it is back', async () => {
    await privateStack.stack.down(['kafka']);
    const down = await waitFor(async () => ((await health()).status === 503 ? health() : undefined), { what: '503' });
    expect(down.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Unhealthy: kafka down',
      details: { mongodb: { status: 'up' }, kafka: { status: 'down' } },
    });
    // Unready (no traffic), but alive (no restart: it would not bring the broker back).
    const ready = await probe('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.message).toMatch(/^Not ready: .*kafka/);
    expect((await probe('/health/live')).status).toBe(200);
    // Writes go on into the outbox, and the metrics show them waiting.
    await testApp
      .api()
      .post('/users')
      .send({ name: 'Outage', email: `outage-${Date.now()}@example.com` })
      .expect(201);
    const waiting = await waitFor(async () => ((await outbox()).entities > 0 ? outbox() : undefined), { what: 'the outbox backlog' });
    expect(waiting.oldestAge).toBeGreaterThan(0);

    await privateStack.stack.up(['kafka']);
    await waitFor(async () => (await health()).status === 200, { what: 'recovery after the broker restart', timeoutMs: 60_000 });
    await waitFor(async () => (await outbox()).entities === 0, { what: 'the outbox to drain', timeoutMs: 60_000 });
  });

  it('is 503 naming mongodb while the database is down, and 200 again once it is back', async () => {
    await privateStack.stack.down(['ferretdb']);
    const down = await waitFor(async () => ((await health()).status === 503 ? health() : undefined), { what: '503' });
    expect(down.body).toMatchObject({
      statusCode: 503,
      message: 'Unhealthy: mongodb down',
      details: { mongodb: { status: 'down' }, kafka: { status: 'up' } },
    });
    expect((await probe('/health/ready')).body.message).toMatch(/^Not ready: mongodb/);
    expect((await probe('/health/live')).status).toBe(200);

    await privateStack.stack.up(['ferretdb']);
    await waitFor(async () => (await health()).status === 200, { what: 'recovery after the database restart', timeoutMs: 60_000 });
  });
});
