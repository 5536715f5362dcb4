/**
 * npm run bench:archive — the archive under load, against a private S3Proxy:
 *
 * 1. Lag under the events benchmark's load: POST /users at BENCH_RATE writes/s
 *    (default 50) for BENCH_SECONDS (20); the archive group's lag (messages on
 *    the topic not yet in an object) is sampled every 250 ms.
 * 2. Throughput: BENCH_ARCHIVE_EVENTS events (default 20,000) published straight
 *    on the topic as fast as the producer goes; the archive's rate is events
 *    over the time from the first publish until the last one is stored.
 * 3. Backlog: the service stopped, as many events published, the service
 *    started again; the rate at which the archive drains the backlog (from the
 *    moment the service answers until the last event is stored).
 *
 * ARCHIVE_MAX_AGE_SECONDS is BENCH_ARCHIVE_AGE (default 1), objects up to
 * ARCHIVE_MAX_EVENTS (default 10,000).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { archiveLag } from '../../src/archive/archive-lag';
import { spawnApp } from '../support/app-process';
import { publishEvents } from '../support/archive';
import { testKafka } from '../support/kafka';
import { StackEnv } from '../../stack/local-stack';
import { startPrivateStack } from '../support/private-stack';
import { waitFor } from '../support/wait';
import { printTable, startBenchEnvironment } from './bench-environment';

const rate = Number(process.env.BENCH_RATE ?? 50);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const events = Number(process.env.BENCH_ARCHIVE_EVENTS ?? 20_000);
const age = process.env.BENCH_ARCHIVE_AGE ?? '1';

async function main(): Promise<void> {
  const s3 = await startPrivateStack(['s3']);
  try {
    await measure(s3.env);
  } finally {
    await s3.destroy();
  }
}

async function measure(s3: StackEnv): Promise<void> {
  const { MONGODB_URI: _mongo, KAFKA_BROKERS: _kafka, ...s3Settings } = s3;
  const bench = await startBenchEnvironment({
    ...s3Settings,
    ARCHIVE_ENABLED: 'true',
    ARCHIVE_MAX_AGE_SECONDS: age,
    ARCHIVE_MAX_EVENTS: process.env.ARCHIVE_MAX_EVENTS ?? '10000',
    ARCHIVE_S3_BUCKET: 'bench-archive',
  });
  const kafka = testKafka(bench.env.KAFKA_BROKERS);
  const admin = kafka.admin();
  await admin.connect();
  const topic = bench.env.KAFKA_TOPIC ?? '';
  let drained: number;
  const lag = async (): Promise<number> => (await archiveLag(admin, `${bench.env.KAFKA_GROUP_ID}-archive`, topic)).total;
  try {
    process.stderr.write(`[bench] POST /users at ${rate}/s for ${seconds} s, sampling the archive lag...\n`);
    const samples: number[] = [];
    let writing = true;
    const sampler = (async () => {
      while (writing) {
        samples.push(await lag());
        await sleep(250);
      }
    })();
    const t0 = Date.now();
    let writes = 0;
    for (let next = t0; next < t0 + seconds * 1000; next += 1000 / rate) {
      await sleep(Math.max(0, next - Date.now()));
      const response = await fetch(`${bench.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench user', email: `${randomUUID()}@example.com` }),
      });
      if (response.status !== 201) throw new Error(`write failed: ${response.status}`);
      writes++;
    }
    const wroteAt = Date.now();
    writing = false;
    await sampler;
    await waitFor(async () => (await lag()) === 0, { what: 'the archive to catch up', timeoutMs: 120_000, intervalMs: 100 });
    const caughtUp = Date.now() - wroteAt;
    samples.sort((a, b) => a - b);

    process.stderr.write(`[bench] publishing ${events} events straight on the topic...\n`);
    const p0 = Date.now();
    await publishEvents(kafka, topic, events, { batch: 500 });
    const published = Date.now() - p0;
    await waitFor(async () => (await lag()) === 0, { what: 'the archive to store every event', timeoutMs: 300_000, intervalMs: 100 });
    const archived = Date.now() - p0;

    process.stderr.write(`[bench] stopping the service, publishing ${events} more, draining them after a restart...\n`);
    bench.app.child.kill('SIGTERM');
    await bench.app.exited;
    await publishEvents(kafka, topic, events, { batch: 500 });
    const restarted = spawnApp(bench.env);
    try {
      await waitFor(async () => (await fetch(`${bench.url}/health`).catch(() => undefined)) !== undefined, {
        what: 'the restart',
        timeoutMs: 60_000,
      });
      const d0 = Date.now();
      await waitFor(async () => (await lag()) === 0, { what: 'the backlog to drain', timeoutMs: 300_000, intervalMs: 100 });
      drained = Date.now() - d0;
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }

    process.stdout.write(`\nArchive to S3Proxy, ARCHIVE_MAX_AGE_SECONDS=${age} (${new Date().toISOString()})\n\n`);
    printTable(
      ['writes', 'rate/s', 'lag p50', 'lag p90', 'lag max', 'caught up after last write ms'],
      [
        [
          writes,
          rate,
          samples[Math.floor(samples.length / 2)],
          samples[Math.floor(samples.length * 0.9)],
          samples[samples.length - 1],
          caughtUp,
        ],
      ],
    );
    process.stdout.write('\n');
    printTable(
      ['events', 'produce events/s', 'archive events/s (while produced)', 'all stored after ms', 'backlog drain events/s'],
      [
        [
          events,
          Math.round((events * 1000) / published),
          Math.round((events * 1000) / archived),
          archived,
          Math.round((events * 1000) / drained),
        ],
      ],
    );
  } finally {
    await admin.disconnect();
    await bench.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
