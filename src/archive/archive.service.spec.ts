import type { EachBatchPayload } from 'kafkajs';
import { strictMock } from '../common/testing/strict-mock';
import { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/load-config';
import { decodeObject } from './archive-record';
import { ArchiveService } from './archive.service';
import { ObjectStore, StoredObject } from './object-store';
import { RegistryMetrics } from '../metrics/registry-metrics';

const consumer = {
  events: { GROUP_JOIN: 'consumer.group_join' },
  on: jest.fn(),
  connect: jest.fn(() => Promise.resolve()),
  subscribe: jest.fn(() => Promise.resolve()),
  run: jest.fn((_options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => Promise.resolve()),
  commitOffsets: jest.fn((_offsets: unknown[]) => Promise.resolve()),
  pause: jest.fn(),
  resume: jest.fn(),
  disconnect: jest.fn(() => Promise.resolve()),
};
jest.mock('kafkajs', () => ({ ...jest.requireActual('kafkajs'), Kafka: jest.fn(() => ({ consumer: () => consumer })) }));

const HOUR = Date.parse('2026-12-01T18:00:00Z');
const config: AppConfig = loadConfig({
  MONGODB_URI: 'mongodb://127.0.0.1:27118/db',
  KAFKA_BROKERS: '127.0.0.1:19092',
  ARCHIVE_ENABLED: 'true',
  ARCHIVE_MAX_EVENTS: '3',
  ARCHIVE_MAX_AGE_SECONDS: '1',
});

function storeWith(existing: string[] = []): { store: ObjectStore; puts: Map<string, Buffer>; fail: { on: boolean } } {
  const puts = new Map<string, Buffer>();
  const fail = { on: false };
  const check = (): Promise<void> => (fail.on ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve());
  const store = strictMock<ObjectStore>('ObjectStore', {
    description: 's3://test',
    ensureBucket: check,
    ping: check,
    put: async (key: string, body: Buffer) => {
      await check();
      puts.set(key, body);
    },
    list: async function* (prefix: string): AsyncIterable<StoredObject> {
      await check();
      for (const key of [...existing, ...puts.keys()]) if (key.startsWith(prefix)) yield { key, size: 1 };
    },
  });
  return { store, puts, fail };
}

function batch(partition: number, offsets: number[]): EachBatchPayload {
  const messages = offsets.map((offset) => ({
    offset: String(offset),
    timestamp: String(HOUR + offset),
    key: null,
    value: Buffer.from(`{"id":"e${offset}"}`),
    headers: {},
    attributes: 0,
  }));
  return {
    batch: { topic: 'msg_collection', partition, highWatermark: String(offsets[offsets.length - 1] + 1), messages },
    resolveOffset: jest.fn(),
    heartbeat: () => Promise.resolve(),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
}

async function started(store: ObjectStore): Promise<{ service: ArchiveService; eachBatch: (payload: EachBatchPayload) => Promise<void> }> {
  const service = new ArchiveService(config, store, new RegistryMetrics({ enabled: false }));
  service.onApplicationBootstrap();
  await until(() => consumer.run.mock.calls.length > 0);
  return { service, eachBatch: consumer.run.mock.calls[0][0].eachBatch };
}

/** gzip runs on libuv's pool, which fake timers do not drive: let real I/O finish until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
}

const key = (partition: number, first: number, last: number): string =>
  `msg_collection/dt=2026-12-01/hour=18/partition=${partition}/${String(first).padStart(12, '0')}-${String(last).padStart(12, '0')}.ndjson.gz`;

describe(ArchiveService.name, () => {
  let service: ArchiveService | undefined;

  beforeEach(() => {
    jest.clearAllMocks();
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
  });

  afterEach(async () => {
    await service?.onApplicationShutdown();
    service = undefined;
    jest.useRealTimers();
  });

  it('stores each full chunk as one object, then commits the offset after it', async () => {
    const { store, puts } = storeWith();
    const run = await started(store);
    service = run.service;
    await run.eachBatch(batch(2, [0, 1, 2, 3]));
    expect([...puts.keys()]).toEqual([key(2, 0, 2)]);
    expect((await decodeObject(puts.get(key(2, 0, 2)) as Buffer)).map((r) => r.value)).toEqual([{ id: 'e0' }, { id: 'e1' }, { id: 'e2' }]);
    expect(consumer.commitOffsets.mock.calls).toEqual([[[{ topic: 'msg_collection', partition: 2, offset: '3' }]]]);
    expect(service.status()).toMatchObject({ state: 'up', pendingEvents: 1, storedObjects: 1, storedEvents: 3 });
  });

  it('stores what waited longer than ARCHIVE_MAX_AGE_SECONDS', async () => {
    const { store, puts } = storeWith();
    const run = await started(store);
    service = run.service;
    await run.eachBatch(batch(0, [7]));
    expect(puts.size).toBe(0);
    await jest.advanceTimersByTimeAsync(1300);
    await until(() => consumer.commitOffsets.mock.calls.length > 0);
    expect([...puts.keys()]).toEqual([key(0, 7, 7)]);
    expect(consumer.commitOffsets).toHaveBeenLastCalledWith([{ topic: 'msg_collection', partition: 0, offset: '8' }]);
  });

  it('takes an object an earlier run stored before it could commit, and writes nothing twice', async () => {
    const { store, puts } = storeWith([key(1, 10, 11)]);
    const run = await started(store);
    service = run.service;
    await run.eachBatch(batch(1, [10, 11, 12]));
    // 10 and 11 are in the earlier object; 12, the rest of the chunk, gets an object of its own.
    expect([...puts.keys()]).toEqual([key(1, 12, 12)]);
    expect(consumer.commitOffsets.mock.calls).toEqual([
      [[{ topic: 'msg_collection', partition: 1, offset: '12' }]],
      [[{ topic: 'msg_collection', partition: 1, offset: '13' }]],
    ]);
    await run.eachBatch(batch(1, [11, 12]));
    await jest.advanceTimersByTimeAsync(1300);
    expect(puts.size).toBe(1);
    expect(service.status().pendingEvents).toBe(0);
  });

  it('pauses while the storage fails, commits nothing, and resumes when it answers again', async () => {
    const { store, puts, fail } = storeWith();
    const run = await started(store);
    service = run.service;
    fail.on = true;
    await run.eachBatch(batch(0, [0, 1, 2]));
    expect(consumer.pause).toHaveBeenCalledWith([{ topic: 'msg_collection' }]);
    expect(consumer.commitOffsets).not.toHaveBeenCalled();
    expect(service.status()).toMatchObject({ state: 'down', pendingEvents: 3, lastError: 'connect ECONNREFUSED' });
    await jest.advanceTimersByTimeAsync(5000);
    expect(consumer.resume).not.toHaveBeenCalled();
    fail.on = false;
    await jest.advanceTimersByTimeAsync(10_000);
    await until(() => consumer.resume.mock.calls.length > 0);
    expect(consumer.resume).toHaveBeenCalledWith([{ topic: 'msg_collection' }]);
    expect([...puts.keys()]).toEqual([key(0, 0, 2)]);
    expect(consumer.commitOffsets).toHaveBeenCalledWith([{ topic: 'msg_collection', partition: 0, offset: '3' }]);
    expect(service.status()).toMatchObject({ state: 'up', pendingEvents: 0 });
  });

  it('joins its group in the background: bootstrap returns at once, and a shutdown mid-join ends the join', async () => {
    let joined = (): void => undefined;
    consumer.run.mockImplementationOnce(() => new Promise<void>((resolve) => (joined = resolve)));
    consumer.disconnect.mockImplementationOnce(() => {
      joined();
      return Promise.resolve();
    });
    const joining = new ArchiveService(config, storeWith().store, new RegistryMetrics({ enabled: false }));
    expect(joining.onApplicationBootstrap()).toBeUndefined();
    await until(() => consumer.run.mock.calls.length > 0);
    expect(joining.status().state).toBe('up');
    await joining.onApplicationShutdown();
    expect(consumer.disconnect).toHaveBeenCalledTimes(1);
  });

  it('does nothing when the archive is off', async () => {
    const off = new ArchiveService(
      { ...config, archive: { ...config.archive, enabled: false } },
      strictMock<ObjectStore>('ObjectStore', { description: 's3://off' }),
      new RegistryMetrics({ enabled: false }),
    );
    off.onApplicationBootstrap();
    expect(consumer.connect).not.toHaveBeenCalled();
    expect(off.status().state).toBe('off');
  });
});
