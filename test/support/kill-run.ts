import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppProcess, spawnApp } from './app-process';
import { newAdminToken } from './auth';
import { deleteTopics, ReceivedRecord, testKafka, TopicRecorder } from './kafka';
import { auditLog, groupLag, lockedDatasets, ownership } from './kill-run-checks';
import { uriWithDatabase, withDatabase } from './mongo';
import { freePort } from './ports';
import { waitFor } from './wait';

export interface KillRunOptions {
  instances: number;
  loadSeconds: number;
  /** One instance (in turn) is SIGKILLed this often, until killsStopBeforeEndMs before the load ends. */
  killEveryMs: number;
  killsStopBeforeEndMs: number;
  /** How long a killed instance stays down. */
  restartAfterMs: number;
  /** Clients writing side by side, each pausing this long between writes. */
  clients: number;
  pauseMs: number;
  /** Settings of every instance, on top of the shared database, topic and group. */
  env?: NodeJS.ProcessEnv;
  /** How long the audit log may take to catch up before the run fails (default 120 s). */
  catchUpTimeoutMs?: number;
}

/** What one acknowledged write must have become: an event of this entity, of this type, with this name. */
interface AckedWrite {
  entityId: string;
  type: 'user.created' | 'dataset.created' | 'dataset.updated';
  name: string;
}

export interface KillRunResult {
  acknowledged: AckedWrite[];
  kills: number;
  serverErrors: string[];
  conflicts: number;
  /** From spawning to /health answering: the first starts, then the restarts after a kill. */
  coldBootMs: number[];
  restartMs: number[];
  /** From a SIGKILL to the first successful write to an entity the killed instance held locked. */
  lockFreeMs: number[];
  loadEndedAt: number;
  lastKillAt: number;
  /** When every write acknowledged before the last kill was on the topic, and in the audit log (the load still running). */
  onTopicAt: number;
  recoveredAt: number;
  /** Every record of the topic, read by a group of the test's own. */
  topic: ReceivedRecord[];
  /** When the group's lag was 0 and the audit log held every event of the topic. */
  caughtUpAt: number;
  /** The audit log: event id → entity and sequence. */
  audit: Map<string, { entityId: string; sequence: number }>;
  /** dataset id → owner id, from the database, and the datasets each user lists (GET /users/{id}). */
  owners: Map<string, string>;
  listed: Map<string, string[]>;
}

interface Instance {
  port: number;
  app?: AppProcess;
}

/**
 * N instances of the built service on one database, topic and consumer group,
 * a paced write load spread over the live ones, and one instance SIGKILLed and
 * restarted every few seconds. Returns what happened, for the kill e2e test and
 * `npm run bench:kill` to judge.
 */
export async function killRun(options: KillRunOptions): Promise<KillRunResult> {
  const suffix = randomUUID().slice(0, 8);
  const adminToken = newAdminToken();
  const env: NodeJS.ProcessEnv = {
    MONGODB_URI: uriWithDatabase(process.env.MONGODB_URI ?? '', `e2e_kill_${suffix}`),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_TOPIC: `e2e_kill_${suffix}`,
    KAFKA_GROUP_ID: `e2e-kill-${suffix}`,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    BOOTSTRAP_ADMIN_EMAIL: `admin-${suffix}@example.com`,
    BOOTSTRAP_ADMIN_TOKEN: adminToken,
    ...options.env,
  };
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const instances: Instance[] = await Promise.all(Array.from({ length: options.instances }, async () => ({ port: await freePort() })));
  const result: Omit<KillRunResult, 'topic' | 'caughtUpAt' | 'audit' | 'owners' | 'listed'> = {
    acknowledged: [],
    kills: 0,
    serverErrors: [],
    conflicts: 0,
    coldBootMs: [],
    restartMs: [],
    lockFreeMs: [],
    loadEndedAt: 0,
    lastKillAt: 0,
    onTopicAt: 0,
    recoveredAt: 0,
  };

  const start = async (instance: Instance, times: number[]): Promise<void> => {
    const spawnedAt = Date.now();
    instance.app = spawnApp({ ...env, PORT: String(instance.port) });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${instance.port}/health`)).ok, {
      what: 'an instance to start',
      intervalMs: 50,
      // Before HTTP first, a restart answered only once its consumer had joined the group.
      timeoutMs: 120_000,
    });
    times.push(Date.now() - spawnedAt);
  };
  const live = (): Instance[] => instances.filter((instance) => instance.app);
  const call = async (method: string, path: string, body: unknown): Promise<Response | undefined> => {
    const targets = live();
    const target = targets[Math.floor(Math.random() * targets.length)];
    if (!target) return undefined;
    try {
      const response = await fetch(`http://127.0.0.1:${target.port}${path}`, { method, headers, body: JSON.stringify(body) });
      if (response.status >= 500) result.serverErrors.push(`${method} ${path}: ${response.status} ${await response.text()}`);
      if (response.status === 409) result.conflicts++;
      return response;
    } catch {
      return undefined; // the instance died with the request in flight: not acknowledged
    }
  };

  let recorder: TopicRecorder | undefined;
  try {
    await start(instances[0], result.coldBootMs); // creates the topic and the bootstrap admin first
    await Promise.all(instances.slice(1).map((instance) => start(instance, result.coldBootMs)));
    recorder = await new TopicRecorder(testKafka(), [env.KAFKA_TOPIC ?? '']).start();

    const users: string[] = [];
    const datasets: string[] = [];
    const loadEnd = Date.now() + options.loadSeconds * 1000;
    const client = async (): Promise<void> => {
      while (Date.now() < loadEnd) {
        const roll = Math.random();
        const name = `n-${randomUUID().slice(0, 12)}`;
        if (users.length === 0 || roll < 0.25) {
          const response = await call('POST', '/users', { name: `User ${name}`, email: `${name}@example.com` });
          if (response?.status === 201) users.push(await ackOf(response, 'user.created', `User ${name}`));
        } else if (datasets.length === 0 || roll < 0.55) {
          const ownerId = users[Math.floor(Math.random() * users.length)];
          const response = await call('POST', '/datasets', { ownerId, name });
          if (response?.status === 201) datasets.push(await ackOf(response, 'dataset.created', name));
        } else {
          const id = datasets[Math.floor(Math.random() * datasets.length)];
          const response = await call('PATCH', `/datasets/${id}`, { name });
          if (response?.status === 200) await ackOf(response, 'dataset.updated', name);
        }
        await sleep(options.pauseMs);
      }
    };
    const ackOf = async (response: Response, type: AckedWrite['type'], name: string): Promise<string> => {
      const { id } = (await response.json()) as { id: string };
      result.acknowledged.push({ entityId: id, type, name });
      return id;
    };

    const killAndRestart = async (victim: Instance): Promise<void> => {
      const held = await lockedDatasets(env.MONGODB_URI ?? '');
      victim.app?.child.kill('SIGKILL');
      await victim.app?.exited;
      const killedAt = Date.now();
      victim.app = undefined;
      result.kills++;
      result.lastKillAt = killedAt;
      ackedBeforeLastKill = result.acknowledged.length;
      // Locks still there a moment later are the dead one's: live holders keep theirs for milliseconds.
      await sleep(200);
      const stale = (await lockedDatasets(env.MONGODB_URI ?? '')).filter((id) => held.includes(id));
      const probe = stale.length > 0 ? firstWriteTo(stale[0], killedAt) : Promise.resolve();
      await sleep(Math.max(0, options.restartAfterMs - 200));
      await Promise.all([start(victim, result.restartMs), probe]);
    };
    // Kills on a fixed beat, in turn; one still down (or restarting) is skipped.
    const killer = async (): Promise<void> => {
      const restarts: Promise<void>[] = [];
      let turn = 0;
      for (let at = Date.now() + options.killEveryMs; at < loadEnd - options.killsStopBeforeEndMs; at += options.killEveryMs) {
        await sleep(at - Date.now());
        const victim = instances[turn++ % instances.length];
        if (victim.app && live().length > 1) restarts.push(killAndRestart(victim));
      }
      await Promise.all([...restarts, recovery(restarts.length)]);
    };
    // The group has recovered from the last kill when everything acknowledged before it is audited.
    let ackedBeforeLastKill = 0;
    const recovery = async (kills: number): Promise<void> => {
      await waitFor(() => result.kills === kills, { what: 'the last kill', intervalMs: 10, timeoutMs: 60_000 });
      const before = result.acknowledged.slice(0, ackedBeforeLastKill);
      await waitFor(
        async () => {
          const onTopic = topicEvents(recorder?.records ?? []);
          const ids = before.map((write) => onTopic.get(writeKey(write)));
          if (ids.some((id) => !id)) return false;
          result.onTopicAt ||= Date.now();
          const audit = await auditLog(env.MONGODB_URI ?? '');
          return ids.every((id) => id && audit.has(id));
        },
        { what: 'the writes before the last kill to be audited', timeoutMs: options.catchUpTimeoutMs ?? 120_000, intervalMs: 100 },
      );
      result.recoveredAt = Date.now();
    };
    const firstWriteTo = async (id: string, killedAt: number): Promise<void> => {
      await waitFor(async () => (await call('PATCH', `/datasets/${id}`, { description: `after ${killedAt}` }))?.status === 200, {
        what: `a write to ${id} after its holder was killed`,
        timeoutMs: 120_000,
        intervalMs: 100,
      });
      result.lockFreeMs.push(Date.now() - killedAt);
    };

    await Promise.all([...Array.from({ length: options.clients }, client), killer()]);
    result.loadEndedAt = Date.now();

    const admin = testKafka().admin();
    await admin.connect();
    let audit = new Map<string, { entityId: string; sequence: number }>();
    try {
      await waitFor(
        async () => {
          const ids = new Set(recorder?.records.map(eventId));
          const onTopic = topicEvents(recorder?.records ?? []);
          if (!result.acknowledged.every((write) => onTopic.has(writeKey(write)))) return false;
          if ((await groupLag(admin, env.KAFKA_GROUP_ID ?? '', env.KAFKA_TOPIC ?? '')) > 0) return false;
          audit = await auditLog(env.MONGODB_URI ?? '');
          return audit.size >= ids.size && [...ids].every((id) => audit.has(id));
        },
        { what: 'the audit log to catch up', timeoutMs: options.catchUpTimeoutMs ?? 120_000, intervalMs: 250 },
      );
    } finally {
      await admin.disconnect();
    }
    const caughtUpAt = Date.now();
    const { owners, listed } = await ownership(env.MONGODB_URI ?? '', instances, headers);
    return { ...result, topic: [...(recorder?.records ?? [])], caughtUpAt, audit, owners, listed };
  } finally {
    await recorder?.stop();
    for (const instance of instances) {
      instance.app?.child.kill('SIGKILL');
      await instance.app?.exited;
    }
    await withDatabase(env.MONGODB_URI ?? '', (db) => db.dropDatabase());
    await deleteTopics((env.KAFKA_BROKERS ?? '').split(','), [env.KAFKA_TOPIC ?? '', `${env.KAFKA_TOPIC}.dlq`]);
  }
}

export function eventId(record: ReceivedRecord): string {
  return (JSON.parse(record.value ?? '{}') as { id: string }).id;
}

/** Whether `record` is the event of an acknowledged write: same entity, type and resulting name. */
export function matches(record: ReceivedRecord, write: AckedWrite): boolean {
  return record.key === write.entityId && recordKey(record).key === writeKey(write);
}

const writeKey = (write: AckedWrite): string => `${write.entityId} ${write.type} ${write.name}`;

function recordKey(record: ReceivedRecord): { key: string; id: string } {
  const event = JSON.parse(record.value ?? '{}') as { id: string; type: string; data: { name?: string } };
  return { key: `${record.key} ${event.type} ${event.data.name}`, id: event.id };
}

/** The topic's events by the write they record (each record parsed once: polls run while the load does). */
function topicEvents(records: readonly ReceivedRecord[]): Map<string, string> {
  const byWrite = new Map<string, string>();
  for (const record of records) {
    const { key, id } = recordKey(record);
    if (!byWrite.has(key)) byWrite.set(key, id);
  }
  return byWrite;
}
