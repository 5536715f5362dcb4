import { randomUUID } from 'node:crypto';
import { AppProcess, spawnApp } from './app-process';
import { newAdminToken } from './auth';
import { deleteTopics } from './kafka';
import { uriWithDatabase, withDatabase } from './mongo';
import { freePort } from './ports';
import { rssMb } from './process-memory';
import { waitFor } from './wait';

/**
 * The built service in a process of its own, so that its memory is measured
 * alone, with a database, topic and consumer group of its own (`<prefix>_<random>`).
 * It may be stopped and started again on the same data; remove() stops it and
 * drops what it created.
 */
export class ServiceProcess {
  readonly env: NodeJS.ProcessEnv;
  /** The bootstrap admin's API token: call the service as this admin. */
  readonly adminToken = newAdminToken();
  private app?: AppProcess;
  url = '';

  constructor(prefix: string) {
    const suffix = randomUUID().slice(0, 8);
    this.env = {
      MONGODB_URI: uriWithDatabase(process.env.MONGODB_URI ?? '', `${prefix}_${suffix}`),
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_TOPIC: `${prefix}_${suffix}`,
      KAFKA_GROUP_ID: `${prefix}-${suffix}`,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_EMAIL: `admin-${suffix}@example.com`,
      BOOTSTRAP_ADMIN_TOKEN: this.adminToken,
    };
  }

  async start(): Promise<void> {
    const port = await freePort();
    this.app = spawnApp({ ...this.env, PORT: String(port) });
    this.url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${this.url}/health`)).ok, { what: 'the service to start' });
  }

  /** What the running process wrote on stdout and stderr so far. */
  output(): string {
    return this.app?.output() ?? '';
  }

  /** The process's peak resident memory so far (VmHWM), in MB. */
  peakRssMb(): number {
    return rssMb(this.app?.child.pid);
  }

  async stop(): Promise<void> {
    this.app?.child.kill('SIGTERM');
    await this.app?.exited;
    this.app = undefined;
  }

  async remove(): Promise<void> {
    await this.stop();
    await withDatabase(this.env.MONGODB_URI ?? '', (db) => db.dropDatabase());
    await deleteTopics((this.env.KAFKA_BROKERS ?? '').split(','), [this.env.KAFKA_TOPIC ?? '', `${this.env.KAFKA_TOPIC}.dlq`]);
  }
}
