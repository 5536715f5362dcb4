/**
 * The project's own local stack: a real Apache Kafka broker (KRaft, one
 * combined node) and FerretDB (MongoDB wire protocol, SQLite backend), both
 * provisioned from package registries into a git-ignored folder and run on
 * loopback. Used by `npm run stack`, `npm run start:local` and the e2e tests.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assertPortFree,
  isAlive,
  isOurProcess,
  KAFKA_LOG4J2,
  kafkaAnswers,
  kafkaServerProperties,
  mongoAnswers,
  requireTool,
  runJava,
  seconds,
  sleep,
  STACK_MARKER,
  stopProcess,
  tail,
} from './processes';
import { Log, provisionFerretDb, provisionKafka } from './provisioning';
import { SERVICES, ServiceName, StackError, StackSettings, stackSettings } from './settings';

export { SERVICES, StackError, stackEnv, stackSettings } from './settings';
export type { ServiceName, StackSettings } from './settings';

const defaultLog: Log = (line) => process.stderr.write(`[stack] ${line}\n`);

interface ServiceState {
  pid: number;
  port: number;
  startedAt: string;
}
type StackState = Partial<Record<ServiceName, ServiceState>>;

export interface ServiceStatus {
  name: ServiceName;
  state: 'running' | 'stopped' | 'stale';
  pid?: number;
  port: number;
  ready: boolean;
  log: string;
}

export class LocalStack {
  private readonly cacheDir: string;
  private readonly runDir: string;
  private readonly stateFile: string;

  constructor(
    readonly settings: StackSettings = stackSettings(),
    private readonly log: Log = defaultLog,
  ) {
    this.cacheDir = settings.cacheDir;
    this.runDir = settings.runDir;
    this.stateFile = path.join(this.runDir, 'state.json');
  }

  logFile(name: ServiceName): string {
    return path.join(this.runDir, 'logs', `${name}.log`);
  }

  /**
   * Starts the services that are not already running and waits until they
   * answer. Returns the services this call started, so that the caller can
   * stop exactly those.
   */
  async up(services: readonly ServiceName[] = SERVICES): Promise<ServiceName[]> {
    return this.withLock(async () => {
      const started: ServiceName[] = [];
      for (const name of services) {
        const state = this.readState();
        const current = state[name];
        if (current && isOurProcess(current.pid)) {
          this.log(`${name} already running (pid ${current.pid}, port ${current.port})`);
          await this.waitReady(name, current);
          continue;
        }
        if (current) {
          this.log(`${name}: forgetting stale pid ${current.pid} (process is gone)`);
          this.writeState({ ...state, [name]: undefined });
        }
        const t0 = Date.now();
        const service = name === 'kafka' ? await this.startKafka() : await this.startFerretDb();
        this.writeState({ ...this.readState(), [name]: service });
        await this.waitReady(name, service);
        this.log(`${name} ready on 127.0.0.1:${service.port} in ${seconds(Date.now() - t0)} (pid ${service.pid})`);
        started.push(name);
      }
      return started;
    });
  }

  /** Stops the named services if this stack started them; never touches other processes. */
  async down(services: readonly ServiceName[] = SERVICES): Promise<void> {
    await this.withLock(async () => {
      for (const name of services) {
        const current = this.readState()[name];
        if (!current) {
          this.log(`${name} is not running`);
          continue;
        }
        if (isOurProcess(current.pid)) {
          await stopProcess(current.pid);
          this.log(`${name} stopped (pid ${current.pid})`);
        } else {
          this.log(`${name}: pid ${current.pid} was already gone`);
        }
        this.writeState({ ...this.readState(), [name]: undefined });
      }
    });
  }

  async status(): Promise<ServiceStatus[]> {
    const state = this.readState();
    return Promise.all(
      SERVICES.map(async (name): Promise<ServiceStatus> => {
        const current = state[name];
        const port = current?.port ?? this.defaultPort(name);
        const base = { name, port, log: this.logFile(name) };
        if (!current) return { ...base, state: 'stopped', ready: false };
        if (!isOurProcess(current.pid)) return { ...base, state: 'stale', pid: current.pid, ready: false };
        return { ...base, state: 'running', pid: current.pid, ready: await this.isReady(name, current.port) };
      }),
    );
  }

  private defaultPort(name: ServiceName): number {
    return name === 'kafka' ? this.settings.kafkaPort : this.settings.mongoPort;
  }

  // ---- Kafka ----------------------------------------------------------------

  private async startKafka(): Promise<ServiceState> {
    const { kafkaPort, kafkaControllerPort } = this.settings;
    await assertPortFree(kafkaPort, 'Kafka', 'STACK_KAFKA_PORT');
    await assertPortFree(kafkaControllerPort, 'the Kafka controller', 'STACK_KAFKA_CONTROLLER_PORT');
    const libs = await provisionKafka(this.cacheDir, this.log);
    const kafkaDir = path.join(this.runDir, 'kafka');
    const dataDir = path.join(kafkaDir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const serverProperties = path.join(kafkaDir, 'server.properties');
    const log4j = path.join(kafkaDir, 'log4j2.properties');
    fs.writeFileSync(serverProperties, kafkaServerProperties(kafkaPort, kafkaControllerPort, dataDir));
    fs.writeFileSync(log4j, KAFKA_LOG4J2);

    const javaArgs = [
      '-Xms256m',
      '-Xmx512m',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      path.join(libs, '*'),
    ];
    if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
      requireTool('java', ['-version'], 'Java 17 or newer is needed to run the Kafka broker');
      const clusterId =
        runJava([...javaArgs, 'kafka.tools.StorageTool', 'random-uuid'])
          .trim()
          .split('\n')
          .pop() ?? '';
      runJava([
        ...javaArgs,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        serverProperties,
        '--standalone',
        '--ignore-formatted',
      ]);
      this.log(`formatted Kafka storage (cluster id ${clusterId})`);
    }
    const pid = this.spawnDetached('kafka', 'java', [...javaArgs, 'kafka.Kafka', serverProperties]);
    return { pid, port: kafkaPort, startedAt: new Date().toISOString() };
  }

  // ---- FerretDB ---------------------------------------------------------------

  private async startFerretDb(): Promise<ServiceState> {
    const { mongoPort } = this.settings;
    await assertPortFree(mongoPort, 'FerretDB', 'STACK_MONGODB_PORT');
    const binary = await provisionFerretDb(this.cacheDir, this.log);
    const dataDir = path.join(this.runDir, 'ferretdb');
    fs.mkdirSync(dataDir, { recursive: true });
    const pid = this.spawnDetached('ferretdb', binary, ['-listen', `127.0.0.1:${mongoPort}`, '-data-dir', dataDir]);
    return { pid, port: mongoPort, startedAt: new Date().toISOString() };
  }

  // ---- processes, readiness, state -------------------------------------------

  private spawnDetached(name: ServiceName, command: string, args: string[]): number {
    const logFile = this.logFile(name);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = fs.openSync(logFile, 'a');
    fs.writeSync(out, `\n---- ${new Date().toISOString()} starting ${name}\n`);
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, [STACK_MARKER]: '1' } });
    fs.closeSync(out);
    if (child.pid === undefined) throw new StackError(`could not start ${name} (${command})`);
    child.unref();
    return child.pid;
  }

  private async waitReady(name: ServiceName, service: ServiceState): Promise<void> {
    const deadline = Date.now() + (name === 'kafka' ? 60_000 : 30_000);
    while (Date.now() < deadline) {
      if (!isOurProcess(service.pid)) {
        throw new StackError(`${name} exited during start-up; last lines of ${this.logFile(name)}:\n${tail(this.logFile(name), 20)}`);
      }
      if (await this.isReady(name, service.port)) return;
      await sleep(name === 'kafka' ? 500 : 200);
    }
    throw new StackError(`${name} did not become ready in time; see ${this.logFile(name)}`);
  }

  private isReady(name: ServiceName, port: number): Promise<boolean> {
    return name === 'kafka' ? kafkaAnswers(port) : mongoAnswers(port);
  }

  private readState(): StackState {
    try {
      return JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as StackState;
    } catch {
      return {};
    }
  }

  private writeState(state: StackState): void {
    fs.mkdirSync(this.runDir, { recursive: true });
    fs.writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
  }

  /** One `up`/`down` at a time per stack folder; a lock left by a dead process is taken over. */
  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    fs.mkdirSync(this.runDir, { recursive: true });
    const lock = path.join(this.runDir, 'lock');
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
        break;
      } catch {
        const holder = Number(fs.readFileSync(lock, 'utf8'));
        if (!isAlive(holder)) {
          fs.rmSync(lock, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new StackError(`another stack command (pid ${holder}) holds ${lock}`);
        await sleep(250);
      }
    }
    try {
      return await work();
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }
}
