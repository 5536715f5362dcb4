import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Kafka } from 'kafkajs';
import { Types } from 'mongoose';
import { datasetCreated, newDataset } from '../src/datasets/dataset-rules';
import { DatasetsRepository } from '../src/datasets/datasets.repository';
import { Dataset } from '../src/datasets/schemas/dataset.schema';
import { entityKey } from '../src/events/outbox/entity-key';
import { newEvent } from '../src/events/outbox/event-factory';
import { OutboxMarkersRepository } from '../src/events/outbox/outbox-markers.repository';
import { createUserWithToken } from './support/auth';
import { testKafka } from './support/kafka';
import { PrivateStack, startPrivateStack } from './support/private-stack';
import { Scrape } from './support/prometheus-text';
import { useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

const T0 = Date.UTC(2026, 0, 1);
const RATE_LIMIT = 25;
/** Label values that would be unbounded: an ObjectId, a UUID, a path with a number in it. */
const UNBOUNDED = [/[0-9a-f]{24}/i, /[0-9a-f]{8}-[0-9a-f]{4}-/i, /\/\d+/];

/**
 * GET /metrics after real work: each metric moves when its work happens (a
 * write and its relay, records in and out, a sealed version, a dead-lettered
 * message, refused credentials, a rate-limited client, the archive storing and
 * its storage failing), read through the Prometheus project's own parser, with
 * label sets that stay small (no ids, no raw paths).
 */
describe('GET /metrics (e2e)', () => {
  let privateStack: PrivateStack;
  let kafka: Kafka;

  beforeAll(async () => {
    // A private S3 server, so its outage is this file's alone.
    privateStack = await startPrivateStack(['s3']);
    kafka = testKafka();
  });

  const testApp = useTestApp(() => {
    const s3 = privateStack.env;
    return {
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      ARCHIVE_ENABLED: 'true',
      ARCHIVE_MAX_AGE_SECONDS: '1',
      ARCHIVE_S3_BUCKET: `e2e-metrics-${randomUUID().slice(0, 8)}`,
      ARCHIVE_S3_ENDPOINT: s3.ARCHIVE_S3_ENDPOINT,
      ARCHIVE_S3_REGION: s3.ARCHIVE_S3_REGION,
      ARCHIVE_S3_FORCE_PATH_STYLE: s3.ARCHIVE_S3_FORCE_PATH_STYLE,
      ARCHIVE_S3_ACCESS_KEY_ID: s3.ARCHIVE_S3_ACCESS_KEY_ID,
      ARCHIVE_S3_SECRET_ACCESS_KEY: s3.ARCHIVE_S3_SECRET_ACCESS_KEY,
      LOG_LEVEL: 'fatal',
    };
  });

  afterAll(async () => {
    await privateStack?.destroy();
  });

  const scrape = async (): Promise<Scrape> => {
    const response = await testApp.api().get('/metrics').expect(200);
    // The exposition format's version (Express puts its charset first).
    expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return Scrape.of(response.text);
  };

  it('reads NaN and infinite samples as numbers (an event-loop gauge is NaN when two scrapes come close together)', () => {
    const text = [
      '# HELP nodejs_eventloop_lag_mean_seconds The mean of the recorded event loop delays.',
      '# TYPE nodejs_eventloop_lag_mean_seconds gauge',
      'nodejs_eventloop_lag_mean_seconds NaN',
      '# HELP edge Edges.',
      '# TYPE edge gauge',
      'edge{side="up"} +Inf',
      'edge{side="down"} -Inf',
      'edge{side="zero"} 0',
    ].join('\n');
    const parsed = Scrape.of(`${text}\n`);
    expect(parsed.matching('nodejs_eventloop_lag_mean_seconds')[0].value).toBeNaN();
    expect(parsed.matching('edge').map(({ value }) => value)).toEqual([Infinity, -Infinity, 0]);
  });

  it('is for admins only: 401 without credentials, 403 for a user, 200 for an admin', async () => {
    await request(testApp.url).get('/metrics').expect(401);
    const user = await createUserWithToken(testApp.api(), { scopes: ['read', 'write'] });
    await user.api(testApp.url).get('/metrics').expect(403);
    const metrics = await scrape();
    // collectDefaultMetrics: the process and the event loop.
    for (const name of ['process_cpu_user_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(metrics.names().has(name)).toBe(true);
    }
  });

  it('moves each metric when its work happens, with bounded labels', async () => {
    const before = await scrape();
    const api = testApp.api();
    const ownerId = (
      await api
        .post('/users')
        .send({ name: 'Metered', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id;
    const id = (
      await api
        .post('/datasets')
        .send({ ownerId, name: 'metered', fields: [{ name: 'v', type: 'number' }] })
        .expect(201)
    ).body.id as string;
    const rows = Array.from({ length: 30 }, (_, i) => `{"timestamp":${T0 + i * 60_000},"v":${i}}`).join('\n');
    await api.post(`/datasets/${id}/records`).set('Content-Type', 'application/x-ndjson').send(rows).expect(200);
    await api.get(`/datasets/${id}/records`).query({ format: 'csv' }).expect(200);
    await api.get(`/datasets/${id}/records`).query({ format: 'json' }).expect(200);
    await api.post(`/datasets/${id}/versions`).send({}).expect(201);
    // Refused credentials: none, and a token that is not valid.
    await request(testApp.url).get('/datasets').set('Authorization', 'Bearer dsr_not-a-token').expect(401);
    // Not an event: dead-lettered at once.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: testApp.config.kafka.topic, messages: [{ value: '{not json' }] });
    await producer.disconnect();
    // One anonymous client (one IP) past its allowance.
    let limited = 0;
    for (let i = 0; i <= RATE_LIMIT && limited === 0; i++) if ((await request(testApp.url).get('/datasets')).status === 429) limited++;
    expect(limited).toBe(1);

    // Waits on growth since `before`: the first test's writes may already be archived.
    const after = await waitFor(
      async () => {
        const now = await scrape();
        const grown = (name: string, labels: Record<string, string> = {}): number => now.sum(name, labels) - before.sum(name, labels);
        const moved =
          grown('registry_consumer_messages_dead_lettered_total', { reason: 'invalid' }) > 0 &&
          grown('registry_archive_objects_stored_total') > 0 &&
          grown('registry_outbox_events_published_total') >= 4 &&
          grown('registry_consumer_messages_handled_total') >= 4;
        return moved ? now : undefined;
      },
      { what: 'the relay, the consumer and the archive to do their work', timeoutMs: 60_000, intervalMs: 500 },
    );
    const grew = (name: string, labels: Record<string, string> = {}): number => after.sum(name, labels) - before.sum(name, labels);

    expect(grew('registry_http_request_duration_seconds_count', { method: 'POST', route: '/datasets', status_class: '2xx' })).toBe(1);
    expect(grew('registry_http_request_duration_seconds_count', { method: 'GET', route: '/datasets/:id/records' })).toBe(2);
    expect(grew('registry_http_request_duration_seconds_count', { route: '/datasets', status_class: '4xx' })).toBeGreaterThanOrEqual(
      RATE_LIMIT,
    );
    expect(grew('registry_outbox_events_published_total')).toBeGreaterThanOrEqual(4);
    expect(after.sum('registry_outbox_relay_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(after.matching('registry_outbox_entities_waiting')).toHaveLength(1);
    expect(after.matching('registry_outbox_oldest_waiting_age_seconds')).toHaveLength(1);
    expect(grew('registry_consumer_messages_handled_total')).toBeGreaterThanOrEqual(4);
    expect(grew('registry_consumer_messages_dead_lettered_total', { reason: 'invalid' })).toBe(1);
    expect(grew('registry_records_points_ingested_total', { format: 'ndjson' })).toBe(30);
    expect(grew('registry_records_points_exported_total', { format: 'csv' })).toBe(30);
    expect(grew('registry_records_points_exported_total', { format: 'json' })).toBe(30);
    expect(grew('registry_records_versions_sealed_total')).toBe(1);
    expect(grew('registry_auth_failures_total', { reason: 'invalid_token' })).toBe(1);
    expect(grew('registry_auth_failures_total', { reason: 'missing_credentials' })).toBeGreaterThanOrEqual(RATE_LIMIT - 1);
    expect(grew('registry_rate_limited_requests_total')).toBe(1);
    expect(grew('registry_archive_objects_stored_total')).toBeGreaterThan(0);
    expect(grew('registry_archive_bytes_stored_total')).toBeGreaterThan(0);
    // Lag per partition of each group, labelled by role (never a group id).
    const partitions = testApp.config.kafka.topicPartitions;
    expect(after.matching('registry_consumer_lag_messages', { group: 'audit' })).toHaveLength(partitions);
    expect(after.matching('registry_consumer_lag_messages', { group: 'archive' })).toHaveLength(partitions);
    expect(after.matching('registry_archive_lag_seconds')).toHaveLength(1);

    for (const sample of after.samples) {
      for (const value of Object.values(sample.labels))
        for (const pattern of UNBOUNDED) expect(`${sample.name} ${value}`).not.toMatch(pattern);
    }
    const routes = new Set(after.matching('registry_http_request_duration_seconds_count').map((sample) => sample.labels.route));
    expect(routes.size).toBeLessThan(20);
  });

  it('counts the events waiting: up while a change is held back, down once it is gone', async () => {
    const waiting = async (): Promise<{ events: number; entities: number }> => {
      const now = await scrape();
      return { events: now.sum('registry_outbox_events_waiting'), entities: now.sum('registry_outbox_entities_waiting') };
    };
    expect((await scrape()).matching('registry_outbox_events_waiting')).toHaveLength(1);
    // A pending dataset marked whole, as an earlier version's create left it: the relay reads it, finds it pending and
    // holds its `dataset.created` back, so it waits for sure. (Through Outbox.recordChanges it would be marked committed,
    // and the relay would send it from the marker's copy at once.)
    const ownerId = (
      await testApp
        .api()
        .post('/users')
        .send({ name: 'Held', email: `${randomUUID()}@example.com` })
        .expect(201)
    ).body.id as string;
    const datasets = testApp.app.get(DatasetsRepository);
    const pending: Dataset = {
      ...newDataset(
        { name: `held-${randomUUID().slice(0, 8)}` },
        9_000_000 + Math.floor(Math.random() * 1_000_000),
        new Types.ObjectId(ownerId),
      ),
      state: 'pending',
    };
    const created = datasetCreated(pending, { type: 'system', name: 'metrics-e2e' });
    pending.outbox.push(newEvent(created.type, pending._id.toHexString(), created.sequence, created.data, created.ownerId, created.actor));
    expect(await datasets.insertDatasets([pending])).toEqual(new Set());
    await testApp.app.get(OutboxMarkersRepository).markEntities([entityKey('dataset', pending._id)]);
    const held = await waitFor(
      async () => {
        const now = await waiting();
        return now.events >= 1 ? now : undefined;
      },
      { what: 'the held event to be counted', intervalMs: 250 },
    );
    // Every entity waiting has at least one event.
    expect(held.events).toBeGreaterThanOrEqual(held.entities);

    await datasets.removePending(pending);
    // The relay drops the marker of an entity that is gone, and its event leaves the count.
    await waitFor(async () => (await waiting()).events < held.events, { what: 'the count to fall', timeoutMs: 30_000, intervalMs: 250 });
  });

  it('counts storage errors while the archive storage is down', async () => {
    await privateStack.stack.down(['s3']);
    try {
      await testApp
        .api()
        .post('/users')
        .send({ name: 'During the outage', email: `${randomUUID()}@example.com` })
        .expect(201);
      await waitFor(async () => (await scrape()).sum('registry_archive_storage_errors_total') > 0, {
        what: 'a storage error',
        timeoutMs: 30_000,
        intervalMs: 500,
      });
      // The archive's storage is part of readiness when the archive is on.
      const ready = await request(testApp.url).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ message: 'Not ready: archive down', details: { archive: { status: 'down' } } });
    } finally {
      await privateStack.stack.up(['s3']);
    }
  });
});
