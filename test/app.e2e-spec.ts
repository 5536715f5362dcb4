import request from 'supertest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Kafka } from 'kafkajs';
import { newEvent } from '../src/events/outbox/event-factory';
import { EventsPublisher } from '../src/events/events.publisher';
import { TopicRecorder, testKafka } from './support/kafka';
import { startTestApp, useTestApp } from './support/test-app';
import { waitFor } from './support/wait';

describe('Application on the local stack (e2e)', () => {
  const testApp = useTestApp();
  let kafka: Kafka;

  beforeAll(async () => {
    kafka = testKafka();
  });

  describe('GET /health', () => {
    it('reports MongoDB and Kafka up', async () => {
      const response = await testApp.api().get('/health').expect(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        details: { mongodb: { status: 'up' }, kafka: { status: 'up' } },
      });
    });
  });

  describe('Swagger', () => {
    it('serves a valid OpenAPI 3 document at /docs-json', async () => {
      const response = await testApp.api().get('/docs-json').expect(200);
      expect(response.body.openapi).toMatch(/^3\./);
      await expect(SwaggerParser.validate(structuredClone(response.body))).resolves.toBeDefined();
      expect(Object.keys(response.body.paths)).toContain('/health');
    });

    it('serves the Swagger UI at /docs, without credentials, with a working Authorize', async () => {
      const response = await request(testApp.url).get('/docs').redirects(1).expect(200);
      expect(response.text).toContain('swagger-ui');
      // Helmet's CSP lets the UI load its own scripts over plain HTTP, and the token given to Authorize is kept.
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      const init = await request(testApp.url).get('/docs/swagger-ui-init.js').expect(200);
      expect(init.text).toContain('"persistAuthorization": true');
      const document = (await request(testApp.url).get('/docs-json').expect(200)).body;
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(document.paths['/users/me'].get.security).toEqual([{ bearer: [] }]);
      expect(document.paths['/health'].get.security).toBeUndefined();
    });

    it('answers /docs with 404 when DOCS_ENABLED=false', async () => {
      const hidden = await startTestApp({ DOCS_ENABLED: 'false' });
      try {
        await request(hidden.url).get('/docs-json').expect(404);
        await request(hidden.url).get('/docs').expect(404);
      } finally {
        await hidden.close();
      }
    });
  });

  describe('HTTP conventions', () => {
    it('answers unknown routes with the JSON error shape', async () => {
      const response = await testApp.api().get('/no-such-route').expect(404);
      expect(response.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /no-such-route' });
    });

    it('echoes a sane X-Request-Id and invents one otherwise', async () => {
      const given = await testApp.api().get('/health').set('X-Request-Id', 'trace-123').expect(200);
      expect(given.headers['x-request-id']).toBe('trace-123');
      const invented = await testApp.api().get('/health').set('X-Request-Id', 'not a sane id; <script>').expect(200);
      expect(invented.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe(`Kafka topic ${'msg_collection'}`, () => {
    it('delivers what the application emits through its Kafka client to an independent consumer', async () => {
      const recorder = await new TopicRecorder(kafka, [testApp.config.kafka.topic]).start();
      try {
        const key = `emit-${Date.now()}`;
        await testApp.app
          .get(EventsPublisher)
          .publish(testApp.config.kafka.topic, { key, value: { hello: 'world' }, headers: { 'x-test': 'yes' } });
        const record = await waitFor(() => recorder.records.find((r) => r.key === key), { what: 'the emitted message' });
        expect(JSON.parse(record.value ?? '')).toEqual({ hello: 'world' });
        expect(record.headers['x-test']).toBe('yes');
      } finally {
        await recorder.stop();
      }
    });

    it('receives what an independent kafkajs producer sends (into its audit log)', async () => {
      const entityId = '6650c0ffee00000000000042';
      const event = newEvent('user.deleted', entityId, 7, { id: entityId });
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({ topic: testApp.config.kafka.topic, messages: [{ key: entityId, value: JSON.stringify(event) }] });
        const stored = await waitFor(async () => (await testApp.api().get('/events').query({ entityId })).body.items[0], {
          what: 'the produced event in the audit log',
        });
        expect(stored).toMatchObject({ id: event.id, type: 'user.deleted', sequence: 7, topic: testApp.config.kafka.topic });
      } finally {
        await producer.disconnect();
      }
    });
  });
});
