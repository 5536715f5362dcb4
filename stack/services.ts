/** How each service of the local stack is provisioned and started (readiness and lifecycle: local-stack.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureKafkaTls, KEYSTORE_PASSWORD } from './kafka-tls';
import { assertPortFree, KAFKA_LOG4J2, kafkaAnswers, kafkaServerProperties, mongoAnswers, requireTool, runJava } from './processes';
import { Log, provisionFerretDb, provisionKafka, provisionS3Proxy } from './provisioning';
import { s3Answers, S3PROXY_LOGBACK, s3proxyProperties } from './s3proxy';
import { kafkaTlsDir, SCRAM_USER, ServiceName, StackError, StackSettings } from './settings';

export interface ServiceState {
  pid: number;
  port: number;
  startedAt: string;
}

export interface ServiceContext {
  settings: StackSettings;
  log: Log;
  /** Starts a process that outlives this one, its output in the service's log file; returns its pid. */
  spawnDetached: (name: ServiceName, command: string, args: string[]) => number;
}

export function startService(name: ServiceName, context: ServiceContext): Promise<ServiceState> {
  if (name === 'kafka') return startKafka(context);
  if (name === 'ferretdb') return startFerretDb(context);
  return startS3(context);
}

export function serviceAnswers(name: ServiceName, port: number): Promise<boolean> {
  if (name === 'kafka') return kafkaAnswers(port);
  if (name === 'ferretdb') return mongoAnswers(port);
  return s3Answers(port);
}

export function servicePort(name: ServiceName, settings: StackSettings): number {
  return name === 'kafka' ? settings.kafkaPort : name === 'ferretdb' ? settings.mongoPort : settings.s3Port;
}

const JAVA_OPTIONS = ['-Xms256m', '-Xmx512m', '-Djava.awt.headless=true'];

async function startKafka({ settings, log, spawnDetached }: ServiceContext): Promise<ServiceState> {
  const { kafkaPort, kafkaControllerPort, kafkaSaslSslPort, runDir } = settings;
  await assertPortFree(kafkaPort, 'Kafka', 'STACK_KAFKA_PORT');
  await assertPortFree(kafkaControllerPort, 'the Kafka controller', 'STACK_KAFKA_CONTROLLER_PORT');
  if (kafkaSaslSslPort !== undefined) await assertPortFree(kafkaSaslSslPort, 'the Kafka SASL_SSL listener', 'STACK_KAFKA_SASL_SSL_PORT');
  const libs = await provisionKafka(settings.cacheDir, log);
  const kafkaDir = path.join(runDir, 'kafka');
  const dataDir = path.join(kafkaDir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const saslSsl =
    kafkaSaslSslPort === undefined
      ? undefined
      : { port: kafkaSaslSslPort, keystore: ensureKafkaTls(kafkaTlsDir(settings)).keystore, keystorePassword: KEYSTORE_PASSWORD };
  const serverProperties = path.join(kafkaDir, 'server.properties');
  const log4j = path.join(kafkaDir, 'log4j2.properties');
  fs.writeFileSync(serverProperties, kafkaServerProperties(kafkaPort, kafkaControllerPort, dataDir, saslSsl));
  fs.writeFileSync(log4j, KAFKA_LOG4J2);

  const javaArgs = [...JAVA_OPTIONS, `-Dlog4j2.configurationFile=${log4j}`, '-cp', path.join(libs, '*')];
  // SCRAM users exist only if they were added when the storage was formatted.
  const scramMarker = path.join(kafkaDir, 'scram-users');
  if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
    requireTool('java', ['-version'], 'Java 17 or newer is needed to run the Kafka broker');
    const clusterId =
      runJava([...javaArgs, 'kafka.tools.StorageTool', 'random-uuid'])
        .trim()
        .split('\n')
        .pop() ?? '';
    const scram = ['--add-scram', `SCRAM-SHA-512=[name=${SCRAM_USER.username},password=${SCRAM_USER.password}]`];
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
      ...scram,
    ]);
    fs.writeFileSync(scramMarker, `${SCRAM_USER.username}\n`);
    log(`formatted Kafka storage (cluster id ${clusterId}, SCRAM-SHA-512 user "${SCRAM_USER.username}")`);
  } else if (saslSsl && !fs.existsSync(scramMarker)) {
    throw new StackError(
      `the Kafka storage in ${dataDir} was formatted without SCRAM users, so the SASL_SSL listener would refuse everyone: ` +
        'stop the stack and remove that folder to format it again',
    );
  }
  const pid = spawnDetached('kafka', 'java', [...javaArgs, 'kafka.Kafka', serverProperties]);
  return { pid, port: kafkaPort, startedAt: new Date().toISOString() };
}

async function startFerretDb({ settings, log, spawnDetached }: ServiceContext): Promise<ServiceState> {
  const { mongoPort } = settings;
  await assertPortFree(mongoPort, 'FerretDB', 'STACK_MONGODB_PORT');
  const binary = await provisionFerretDb(settings.cacheDir, log);
  const dataDir = path.join(settings.runDir, 'ferretdb');
  fs.mkdirSync(dataDir, { recursive: true });
  const walLimit = String(settings.ferretDbWalLimitMb);
  const pid = spawnDetached('ferretdb', binary, ['-listen', `127.0.0.1:${mongoPort}`, '-data-dir', dataDir, '-wal-limit-mb', walLimit]);
  return { pid, port: mongoPort, startedAt: new Date().toISOString() };
}

async function startS3({ settings, log, spawnDetached }: ServiceContext): Promise<ServiceState> {
  const { s3Port } = settings;
  await assertPortFree(s3Port, 'S3Proxy', 'STACK_S3_PORT');
  const libs = await provisionS3Proxy(settings.cacheDir, log);
  const s3Dir = path.join(settings.runDir, 's3');
  const dataDir = path.join(s3Dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const properties = path.join(s3Dir, 's3proxy.properties');
  const logback = path.join(s3Dir, 'logback.xml');
  fs.writeFileSync(properties, s3proxyProperties(s3Port, dataDir));
  fs.writeFileSync(logback, S3PROXY_LOGBACK);
  requireTool('java', ['-version'], 'Java 17 or newer is needed to run S3Proxy');
  const args = [
    ...JAVA_OPTIONS,
    `-Dlogback.configurationFile=${logback}`,
    '-cp',
    path.join(libs, '*'),
    'org.gaul.s3proxy.Main',
    '--properties',
    properties,
  ];
  const pid = spawnDetached('s3', 'java', args);
  return { pid, port: s3Port, startedAt: new Date().toISOString() };
}
