/**
 * npm run stack -- up [kafka|ferretdb|s3]   start (provisioning on first use) and wait until ready;
 *                                           no name: kafka and ferretdb
 * npm run stack -- down [kafka|ferretdb|s3] stop what `up` started (no name: all)
 * npm run stack -- status                   what runs, on which port, and whether it answers
 * npm run stack -- env                      MONGODB_URI, KAFKA_BROKERS and the ARCHIVE_S3_* settings for this stack
 * npm run stack -- run -- <command...>     up, run the command with the stack's settings, then
 *                                          stop what this call started
 */
import { spawn } from 'node:child_process';
import { devAdminEnv } from './dev-admin';
import { DEFAULT_SERVICES, LocalStack, saslSslEnv, SERVICES, ServiceName, StackError, stackEnv } from './local-stack';
import { ignoreNegativeTimeoutWarnings } from '../src/common/process/node-warnings';

ignoreNegativeTimeoutWarnings();

function servicesFrom(args: string[], all: readonly ServiceName[]): ServiceName[] {
  if (args.length === 0) return [...all];
  for (const arg of args) {
    if (!SERVICES.includes(arg as ServiceName)) {
      throw new StackError(`unknown service "${arg}" (expected one of: ${SERVICES.join(', ')})`);
    }
  }
  return args as ServiceName[];
}

function printEnv(stack: LocalStack): void {
  for (const [name, value] of Object.entries(stackEnv(stack.settings))) {
    process.stdout.write(`${name}=${value}\n`);
  }
  if (stack.settings.kafkaSaslSslPort !== undefined) {
    process.stdout.write('# the SASL_SSL listener instead of the plaintext one:\n');
    for (const [name, value] of Object.entries(saslSslEnv(stack.settings))) process.stdout.write(`# ${name}=${value}\n`);
  }
}

async function run(stack: LocalStack, command: string[]): Promise<number> {
  if (command.length === 0) throw new StackError('usage: stack run -- <command> [args...]');
  const started = await stack.up();
  // Settings given by the caller win: they may point at their own MongoDB or Kafka.
  const env = {
    ...stackEnv(stack.settings),
    ...devAdminEnv(stack.settings, process.env, (line) => process.stderr.write(`[stack] ${line}\n`)),
    ...process.env,
  };
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) => {
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  if (started.length > 0) await stack.down(started);
  return code;
}

async function main(argv: string[]): Promise<number> {
  const [command = 'status', ...rest] = argv;
  const stack = new LocalStack();
  switch (command) {
    case 'up':
      await stack.up(servicesFrom(rest, DEFAULT_SERVICES));
      printEnv(stack);
      return 0;
    case 'down':
      await stack.down(servicesFrom(rest, SERVICES));
      return 0;
    case 'status': {
      const statuses = await stack.status();
      for (const s of statuses) {
        const pid = s.pid ? ` pid ${s.pid}` : '';
        const ready = s.state === 'running' ? (s.ready ? ', answering' : ', NOT answering') : '';
        process.stdout.write(`${s.name.padEnd(9)} ${s.state}${pid} on 127.0.0.1:${s.port}${ready}  (log: ${s.log})\n`);
      }
      // Healthy: the default services run, and whatever runs answers.
      const ok = statuses.every((s) => (s.state === 'running' ? s.ready : s.state === 'stopped' && !DEFAULT_SERVICES.includes(s.name)));
      return ok ? 0 : 3;
    }
    case 'env':
      printEnv(stack);
      return 0;
    case 'run':
      return run(stack, rest[0] === '--' ? rest.slice(1) : rest);
    default:
      throw new StackError(`unknown command "${command}" (expected up, down, status, env or run)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[stack] ${error instanceof StackError ? error.message : String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  },
);
