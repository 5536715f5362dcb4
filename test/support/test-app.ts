import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { createApp, startApp } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { kafkaSecurityOptions } from '../../src/events/kafka-security';
import { deleteTopics } from './kafka';
import { uriWithDatabase, withDatabase } from './mongo';
import { Api, authedApi, newAdminToken } from './auth';
import { TEST_LOG, testLogStream } from './test-log';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** Base URL of the real HTTP server, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The bootstrap admin's API token (every scope) and user id. */
  adminToken: string;
  adminId: string;
  /** supertest against the app, authenticated as the admin. */
  api(): Api;
  close(): Promise<void>;
}

/**
 * Boots the real application (HTTP server + Kafka consumer) on a random port,
 * with a database, topic and consumer group of its own so that test files do
 * not see each other's data. `close()` stops it and removes what it created.
 */
export async function startTestApp(env: NodeJS.ProcessEnv = {}): Promise<TestApp> {
  const suffix = randomUUID().slice(0, 8);
  const adminToken = env.BOOTSTRAP_ADMIN_TOKEN ?? newAdminToken();
  const base = loadConfig({
    // Kept for a failing test (test-log.ts), printed only with TEST_LOG=1.
    LOG_LEVEL: 'warn',
    ...process.env,
    MONGODB_URI: uriWithDatabase(process.env.MONGODB_URI ?? '', `e2e_${suffix}`),
    KAFKA_TOPIC: `e2e_msg_collection_${suffix}`,
    KAFKA_GROUP_ID: `e2e-registry-${suffix}`,
    BOOTSTRAP_ADMIN_EMAIL: `admin-${suffix}@example.com`,
    BOOTSTRAP_ADMIN_TOKEN: adminToken,
    ...env,
  });
  const config: AppConfig = { ...base, http: { ...base.http, host: '127.0.0.1', port: 0 } };
  const app = await createApp(config, TEST_LOG ? undefined : testLogStream());
  await startApp(app, config);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const me = await authedApi(url, adminToken).get('/users/me');
  if (me.status !== 200) throw new Error(`the bootstrap admin cannot sign in: ${me.status} ${JSON.stringify(me.body)}`);

  return {
    app,
    config,
    url,
    adminToken,
    adminId: (me.body as { id: string }).id,
    api: () => authedApi(url, adminToken),
    close: async () => {
      await app.close();
      await dropDatabase(config.mongodb.uri);
      await deleteTopics(config.kafka.brokers, [config.kafka.topic], kafkaSecurityOptions(config.kafka.security));
    },
  };
}

/** The app of a describe block: the TestApp's members, readable from its beforeAll on. */
export interface UsedTestApp extends Omit<TestApp, 'close'> {
  /**
   * Runs `stop` in afterAll before the app closes (the last given first): for
   * what must end first, such as a consumer of the app's topic, which would
   * create the topic again once the close has deleted it.
   */
  beforeClose(stop: () => Promise<unknown>): void;
}

/**
 * The app for the enclosing describe block: started in a beforeAll and closed
 * in an afterAll, both registered here (so hooks declared after this call run
 * after the start, and after the close). `env` may be a function, for
 * settings known only once earlier hooks have run (a private stack's ports).
 */
export function useTestApp(env: NodeJS.ProcessEnv | (() => NodeJS.ProcessEnv) = {}): UsedTestApp {
  let started: TestApp | undefined;
  const stops: (() => Promise<unknown>)[] = [];
  const app = (): TestApp => {
    if (!started) throw new Error('useTestApp: the app is started in beforeAll; read it in hooks and tests');
    return started;
  };
  beforeAll(async () => {
    started = await startTestApp(typeof env === 'function' ? env() : env);
  });
  afterAll(async () => {
    try {
      for (const stop of stops.reverse()) await stop();
    } finally {
      await started?.close();
    }
  });
  return {
    get app() {
      return app().app;
    },
    get config() {
      return app().config;
    },
    get url() {
      return app().url;
    },
    get adminToken() {
      return app().adminToken;
    },
    get adminId() {
      return app().adminId;
    },
    api: () => app().api(),
    beforeClose: (stop) => void stops.push(stop),
  };
}

async function dropDatabase(uri: string): Promise<void> {
  await withDatabase(uri, (db) => db.dropDatabase());
}
