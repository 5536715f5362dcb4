/**
 * The project's own local stack: a real Apache Kafka broker (KRaft, one
 * combined node, optionally with a SASL_SSL listener), FerretDB (MongoDB wire
 * protocol, SQLite backend) and S3Proxy (S3-compatible storage for the
 * archive), provisioned from package registries into a git-ignored folder and
 * run on loopback. Used by `npm run stack`, `npm run start:local` and the e2e tests.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, isOurProcess, seconds, sleep, STACK_MARKER, stopProcess, tail } from './processes';
import { Log } from './provisioning';
import { serviceAnswers, servicePort, ServiceState, startService } from './services';
import { DEFAULT_SERVICES, SERVICES, ServiceName, StackError, StackSettings, stackSettings } from './settings';

export { DEFAULT_SERVICES, SERVICES, StackError, saslSslEnv, stackEnv, stackSettings } from './settings';
export type { ServiceName, StackEnv, StackSettings } from './settings';

const defaultLog: Log = (line) => process.stderr.write(`[stack] ${line}\n`);

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
  private readonly runDir: string;
  private readonly stateFile: string;

  constructor(
    readonly settings: StackSettings = stackSettings(),
    private readonly log: Log = defaultLog,
  ) {
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
  async up(services: readonly ServiceName[] = DEFAULT_SERVICES): Promise<ServiceName[]> {
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
        const service = await startService(name, {
          settings: this.settings,
          log: this.log,
          spawnDetached: (...args) => this.spawnDetached(...args),
        });
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
        const port = current?.port ?? servicePort(name, this.settings);
        const base = { name, port, log: this.logFile(name) };
        if (!current) return { ...base, state: 'stopped', ready: false };
        if (!isOurProcess(current.pid)) return { ...base, state: 'stale', pid: current.pid, ready: false };
        return { ...base, state: 'running', pid: current.pid, ready: await this.isReady(name, current.port) };
      }),
    );
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
    const deadline = Date.now() + (name === 'ferretdb' ? 30_000 : 60_000);
    while (Date.now() < deadline) {
      if (!isOurProcess(service.pid)) {
        throw new StackError(`${name} exited during start-up; last lines of ${this.logFile(name)}:\n${tail(this.logFile(name), 20)}`);
      }
      if (await this.isReady(name, service.port)) return;
      await sleep(name === 'ferretdb' ? 200 : 500);
    }
    throw new StackError(`${name} did not become ready in time; see ${this.logFile(name)}`);
  }

  private isReady(name: ServiceName, port: number): Promise<boolean> {
    return serviceAnswers(name, port);
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
