import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { waitFor } from './wait';

// A kafkajs consumer in a process of its own: it joins the group, says so on stdout and keeps reading.
const MEMBER_SCRIPT = `
const { Kafka, logLevel } = require('kafkajs');
const [brokers, groupId, topic, sessionTimeout] = process.argv.slice(1);
const kafka = new Kafka({ clientId: 'e2e-member', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId, sessionTimeout: Number(sessionTimeout), rebalanceTimeout: Number(sessionTimeout), maxWaitTimeInMs: 500 });
consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('joined\\n'));
consumer.connect()
  .then(() => consumer.subscribe({ topics: [topic], fromBeginning: true }))
  .then(() => consumer.run({ eachMessage: async () => undefined }));
`;

/**
 * A member of a consumer group that is then SIGKILLed: it never leaves, so the
 * broker counts it as alive until its session times out, and every rebalance
 * until then waits for it — what a killed instance leaves behind.
 */
export async function killedGroupMember(options: {
  brokers: string;
  groupId: string;
  topic: string;
  sessionTimeoutMs: number;
}): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', MEMBER_SCRIPT, options.brokers, options.groupId, options.topic, String(options.sessionTimeoutMs)],
    { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitFor(() => output.includes('joined'), { what: 'the group member to join', timeoutMs: 60_000 });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}
