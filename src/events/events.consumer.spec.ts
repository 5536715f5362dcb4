import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { strictMock } from '../common/testing/strict-mock';
import { AuditLog } from './audit-log/audit-log';
import { RegistryEvent } from './contract';
import { ConsumedBatch, ConsumedMessage } from './batch-server-kafka';
import { EventsConsumer, MAX_ATTEMPTS } from './events.consumer';
import { EventsPublisher, OutgoingMessage } from './events.publisher';
import { RegistryMetrics } from '../metrics/registry-metrics';

// Retries wait with node:timers/promises: record the delays instead of waiting them.
jest.mock('node:timers/promises', () => ({ setTimeout: jest.fn(() => Promise.resolve()) }));
const sleepMock = sleep as unknown as jest.Mock;

const registryEvent = (overrides: Partial<RegistryEvent> = {}): RegistryEvent => ({
  id: '00000000-0000-4000-8000-000000000000',
  type: 'user.created',
  version: 1,
  occurredAt: '2026-11-28T12:00:00.000Z',
  entity: 'user',
  entityId: '6650c0ffee0000000000a001',
  sequence: 1,
  data: {
    id: '6650c0ffee0000000000a001',
    name: 'Aaron',
    email: 'aaron@example.com',
    organization: 'Lab',
    role: 'r',
    attributes: {},
    createdAt: '2026-11-28T12:00:00.000Z',
    updatedAt: '2026-11-28T12:00:00.000Z',
  },
  meta_string: 'user created',
  ...overrides,
});

const message = (value: unknown, offset = '42', headers: Record<string, unknown> = { 'event-type': 'user.created' }): ConsumedMessage => ({
  value: Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)),
  key: Buffer.from('k'),
  headers: headers as ConsumedMessage['headers'],
  offset,
});
const batchOf = (...messages: ConsumedMessage[]): ConsumedBatch => ({ topic: 'msg_collection', partition: 3, messages });
const at = (offset: string) => ({ topic: 'msg_collection', partition: 3, offset });
const second = registryEvent({ id: '00000000-0000-4000-8000-000000000001', sequence: 2 });

async function counted(metrics: RegistryMetrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum: number, { value }: { value: number }) => sum + value, 0);
}

function setup(recordMany: AuditLog['recordMany'] = async () => new Map()) {
  const recordManyMock = jest.fn(recordMany);
  const publish = jest.fn<Promise<void>, [string, OutgoingMessage]>(async () => undefined);
  const config = strictMock<AppConfig>('config', { kafka: { topic: 'msg_collection', groupId: 'registry' } });
  const metrics = new RegistryMetrics({ enabled: false });
  const consumer = new EventsConsumer(
    strictMock<AuditLog>('auditLog', { recordMany: recordManyMock }),
    strictMock<EventsPublisher>('publisher', { publish }),
    config,
    metrics,
  );
  return { consumer, recordMany: recordManyMock, publish, metrics };
}

describe(EventsConsumer.name, () => {
  beforeEach(() => {
    sleepMock.mockClear();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('stores a fetched batch with one bulk call, with each position, and dead-letters nothing', async () => {
    const { consumer, recordMany, publish } = setup();
    await consumer.onEvents(batchOf(message(registryEvent(), '42'), message(second, '43')));
    expect(recordMany).toHaveBeenCalledTimes(1);
    expect(recordMany).toHaveBeenCalledWith([
      expect.objectContaining({ event: registryEvent(), position: at('42') }),
      expect.objectContaining({ event: second, position: at('43') }),
    ]);
    expect(publish).not.toHaveBeenCalled();
  });

  it("stores the batches of partitions handled side by side in one bulk call, and retries only a refused entry's own batch", async () => {
    const { consumer, recordMany, publish } = setup();
    recordMany.mockResolvedValueOnce(new Map([[2, new Error('refused')]]));
    const other = (offset: string): ConsumedMessage =>
      message(registryEvent({ id: `00000000-0000-4000-8000-00000000010${offset}` }), offset);
    await Promise.all([
      consumer.onEvents(batchOf(message(registryEvent(), '42'), message(second, '43'))),
      consumer.onEvents({ ...batchOf(other('1'), other('2')), partition: 4 }),
    ]);
    expect(recordMany.mock.calls.map(([items]) => items.map(({ position }) => `${position.partition}@${position.offset}`))).toEqual([
      ['3@42', '3@43', '4@1', '4@2'],
      ['4@1'],
    ]);
    expect(publish).not.toHaveBeenCalled();
  });

  it('retries the entries the store refused, with growing delays, and stops once they are stored', async () => {
    const { consumer, recordMany, publish } = setup();
    recordMany.mockRejectedValueOnce(new Error('mongo down')).mockResolvedValueOnce(new Map([[1, new Error('refused')]]));
    await consumer.onEvents(batchOf(message(registryEvent(), '42'), message(second, '43')));
    expect(recordMany).toHaveBeenCalledTimes(3);
    expect(recordMany.mock.calls[2][0]).toEqual([expect.objectContaining({ event: second })]);
    expect(sleepMock.mock.calls.map(([ms]) => ms)).toEqual([250, 500]);
    expect(publish).not.toHaveBeenCalled();
  });

  it(`after ${MAX_ATTEMPTS} failed attempts sends the message to the dead-letter topic, and stores the rest of the batch`, async () => {
    const { consumer, recordMany, publish, metrics } = setup(
      async (items) => new Map(items.flatMap((item, i) => (item.event.id === second.id ? [[i, new Error('still down')]] : []))),
    );
    const value = Buffer.from(JSON.stringify(second));

    await expect(consumer.onEvents(batchOf(message(registryEvent(), '42'), message(value, '43')))).resolves.toBeUndefined();
    expect(recordMany).toHaveBeenCalledTimes(MAX_ATTEMPTS);
    expect(sleepMock.mock.calls.map(([ms]) => ms)).toEqual([250, 500, 1000]);
    expect(publish).toHaveBeenCalledTimes(1);
    // The first message was stored at once; the second retried 3 times, then dead-lettered.
    expect(await counted(metrics, 'registry_consumer_messages_handled_total')).toBe(1);
    expect(await counted(metrics, 'registry_consumer_messages_retried_total')).toBe(MAX_ATTEMPTS - 1);
    expect(await counted(metrics, 'registry_consumer_messages_dead_lettered_total')).toBe(1);
    const [topic, sent] = publish.mock.calls[0];
    expect(topic).toBe('msg_collection.dlq');
    expect(sent).toEqual({
      key: Buffer.from('k'),
      value,
      headers: expect.objectContaining({
        'event-type': 'user.created',
        'dlq-error': 'still down',
        'dlq-attempts': String(MAX_ATTEMPTS),
        'dlq-original-topic': 'msg_collection',
        'dlq-original-partition': '3',
        'dlq-original-offset': '43',
      }),
    });
  });

  it('dead-letters a message that is not an event at once, without retrying, and stores the others', async () => {
    const { consumer, recordMany, publish } = setup();
    await consumer.onEvents(batchOf(message(Buffer.from('{not json'), '41'), message(registryEvent(), '42')));
    expect(recordMany).toHaveBeenCalledWith([expect.objectContaining({ event: registryEvent() })]);
    expect(sleepMock).not.toHaveBeenCalled();
    expect(publish).toHaveBeenCalledWith(
      'msg_collection.dlq',
      expect.objectContaining({
        headers: expect.objectContaining({ 'dlq-attempts': '1', 'dlq-error': 'value is not JSON', 'dlq-original-offset': '41' }),
      }),
    );
  });

  it('fails (so Kafka redelivers the batch) when even the dead-letter send fails', async () => {
    const { consumer, publish } = setup(async () => {
      throw new Error('down');
    });
    publish.mockRejectedValueOnce(new Error('broker down'));
    await expect(consumer.onEvents(batchOf(message(registryEvent())))).rejects.toThrow('broker down');
  });
});
