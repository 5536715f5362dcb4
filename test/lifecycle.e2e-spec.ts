import { getConnectionToken } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Connection } from 'mongoose';
import request from 'supertest';
import { spawnApp } from './support/app-process';
import { deleteTopics, testKafka } from './support/kafka';
import { uriWithDatabase, withDatabase } from './support/mongo';
import { freePort, isListening } from './support/ports';
import { startTestApp } from './support/test-app';
import { waitFor, withDeadline } from './support/wait';

async function groupMembers(groupId: string): Promise<{ state: string; members: number }> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [group] = (await admin.describeGroups([groupId])).groups;
    return { state: group.state, members: group.members.length };
  } finally {
    await admin.disconnect();
  }
}

describe('Process lifecycle (e2e)', () => {
  describe('invalid configuration', () => {
    it.each([
      ['PORT', 'not-a-port', 'PORT must be an integer between 1 and 65535 (got "not-a-port")'],
      ['KAFKA_BROKERS', 'no-port-here', 'KAFKA_BROKERS must be a comma-separated list of host:port (got "no-port-here")'],
      ['MONGODB_URI', '', 'MONGODB_URI is required'],
    ])('stops the process at boot with one line naming %s', async (variable, value, expected) => {
      const app = spawnApp({
        MONGODB_URI: process.env.MONGODB_URI,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        [variable]: value,
      });
      const { code } = await app.exited;
      expect(code).toBe(1);
      const lines = app.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Invalid configuration: ${expected}`);
    });
  });

  describe('graceful shutdown', () => {
    it('serves the committed OpenAPI document, and on SIGTERM stops serving HTTP, leaves the consumer group and exits', async () => {
      const suffix = randomUUID().slice(0, 8);
      const port = await freePort();
      const groupId = `e2e-lifecycle-${suffix}`;
      const topic = `e2e_lifecycle_${suffix}`;
      const mongodbUri = uriWithDatabase(process.env.MONGODB_URI ?? '', `e2e_lifecycle_${suffix}`);
      const app = spawnApp({
        MONGODB_URI: mongodbUri,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        KAFKA_TOPIC: topic,
        KAFKA_GROUP_ID: groupId,
        PORT: String(port),
        HOST: '127.0.0.1',
      });
      try {
        await waitFor(async () => (await request(`http://127.0.0.1:${port}`).get('/health')).status === 200, {
          what: 'the service to answer /health',
        });
        await waitFor(async () => (await groupMembers(groupId)).members === 1, { what: 'the consumer to join its group' });
        // The real build (nest build + Swagger CLI plugin) serves the committed OpenAPI document.
        const served = await request(`http://127.0.0.1:${port}`).get('/docs-json').expect(200);
        expect(served.body).toEqual(JSON.parse(readFileSync(path.resolve(__dirname, '../docs/openapi.json'), 'utf8')));

        app.child.kill('SIGTERM');
        const exit = await withDeadline(app.exited, 20_000, () => `the service to exit; its output:\n${app.output()}`);

        // Nest re-raises the signal once its shutdown hooks have run.
        expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
        expect(await isListening(port)).toBe(false);
        expect(await groupMembers(groupId)).toEqual({ state: 'Empty', members: 0 });
      } finally {
        app.child.kill('SIGKILL');
        await deleteTopics((process.env.KAFKA_BROKERS ?? '').split(','), [topic]);
        await withDatabase(mongodbUri, (db) => db.dropDatabase());
      }
    });

    it('closes the MongoDB connection when the application closes', async () => {
      const testApp = await startTestApp();
      const connection = testApp.app.get<Connection>(getConnectionToken());
      expect(connection.readyState).toBe(1);
      await testApp.close();
      expect(connection.readyState).toBe(0);
    });
  });
});
