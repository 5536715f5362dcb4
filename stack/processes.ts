/** Processes, probes and small helpers of the local stack (no state of their own). */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { mongo } from 'mongoose';
import { StackError } from './settings';

/** Set in the environment of the processes we start, so we never signal a recycled pid. */
export const STACK_MARKER = 'DATASET_REGISTRY_LOCAL_STACK';

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isOurProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const zombie = stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    return !zombie && environ.split('\0').includes(`${STACK_MARKER}=1`);
  } catch {
    return process.platform !== 'linux'; // no /proc: trust the pid
  }
}

export async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isOurProcess(pid) && Date.now() < deadline) await sleep(100);
  if (isOurProcess(pid)) {
    process.kill(pid, 'SIGKILL');
    while (isOurProcess(pid)) await sleep(100);
  }
}

export async function assertPortFree(port: number, what: string, variable: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new StackError(
      `port ${port} for ${what} is already in use by another process (an existing MongoDB or Kafka?); ` +
        `stop it or choose another port with ${variable}=...`,
    );
  }
}

export async function kafkaAnswers(port: number): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'local-stack',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null) return false;
    // Consumers also need the group coordinator, which a new broker only has
    // once __consumer_offsets exists; without this wait the first consumer
    // logs "group coordinator is not available" errors while it retries.
    await admin.describeGroups(['local-stack-readiness']);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function mongoAnswers(port: number): Promise<boolean> {
  const client = new mongo.MongoClient(`mongodb://127.0.0.1:${port}/?retryWrites=false`, {
    serverSelectionTimeoutMS: 1000,
    connectTimeoutMS: 1000,
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

export function requireTool(command: string, args: string[], why: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) throw new StackError(`${command} not found on PATH: ${why}`);
}

export function runCommand(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-64 * 1024);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

export function runJava(args: string[]): string {
  const result = spawnSync('java', args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new StackError(`java ${args.slice(-4).join(' ')} failed:\n${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

export function fingerprint(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

export function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface SaslSslListener {
  port: number;
  keystore: string;
  keystorePassword: string;
}

export function kafkaServerProperties(port: number, controllerPort: number, dataDir: string, saslSsl?: SaslSslListener): string {
  const listeners = [`PLAINTEXT://127.0.0.1:${port}`, `CONTROLLER://127.0.0.1:${controllerPort}`];
  if (saslSsl) listeners.push(`SASL_SSL://127.0.0.1:${saslSsl.port}`);
  return `# Written by stack/local-stack.ts on every start; edit stack/processes.ts instead.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}
listeners=${listeners.join(',')}
advertised.listeners=${listeners.join(',')}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=${dataDir}${saslSsl ? saslSslProperties(saslSsl) : ''}
# One broker: the internal topics cannot have the default three replicas.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests join and leave consumer groups often; do not wait for more members.
group.initial.rebalance.delay.ms=0
num.partitions=1
`;
}

export const KAFKA_LOG4J2 = `# Written by stack/local-stack.ts.
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
`;

/** SCRAM-SHA-512 over TLS; the users are created when the storage is formatted (--add-scram). */
function saslSslProperties(listener: SaslSslListener): string {
  return `
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=${listener.keystore}
ssl.keystore.password=${listener.keystorePassword}
ssl.key.password=${listener.keystorePassword}
ssl.client.auth=none`;
}
