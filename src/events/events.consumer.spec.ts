import { Logger } from '@nestjs/common';
import { KafkaContext } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { strictMock } from '../common/testing/strict-mock';
import { AuditLog } from './audit/audit-log';
import { RegistryEvent } from './contract';
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

const context = (offset = '42', headers: Record<string, unknown> = { 'event-type': 'user.created' }): KafkaContext =>
  strictMock<KafkaContext>(
    { getMessage: () => ({ offset, key: Buffer.from('k'), headers }), getTopic: () => 'msg_collection', getPartition: () => 3 },
    'context',
  );

async function counted(metrics: RegistryMetrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}

function setup(record: AuditLog['record']) {
  const recordMock = jest.fn(record);
  const publish = jest.fn<Promise<void>, [string, OutgoingMessage]>(async () => undefined);
  const config = strictMock<AppConfig>({ kafka: { topic: 'msg_collection' } }, 'config');
  const metrics = new RegistryMetrics({ enabled: false });
  const consumer = new EventsConsumer(
    strictMock<AuditLog>({ record: recordMock }, 'auditLog'),
    strictMock<EventsPublisher>({ publish }, 'publisher'),
    config,
    metrics,
  );
  return { consumer, record: recordMock, publish, metrics };
}

describe(EventsConsumer.name, () => {
  beforeEach(() => {
    sleepMock.mockClear();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('records an event once, with its position, and dead-letters nothing', async () => {
    const { consumer, record, publish } = setup(async () => 'stored');
    await consumer.onEvent(Buffer.from(JSON.stringify(registryEvent())), context());
    expect(record).toHaveBeenCalledTimes(1);
    expect(record).toHaveBeenCalledWith(registryEvent(), { topic: 'msg_collection', partition: 3, offset: '42' });
    expect(publish).not.toHaveBeenCalled();
  });

  it('retries a failing handler with growing delays, and stops once it succeeds', async () => {
    const { consumer, record, publish } = setup(async () => 'stored');
    record.mockRejectedValueOnce(new Error('mongo down')).mockRejectedValueOnce(new Error('mongo down'));
    await consumer.onEvent(registryEvent(), context());
    expect(record).toHaveBeenCalledTimes(3);
    expect(sleepMock.mock.calls.map(([ms]) => ms)).toEqual([250, 500]);
    expect(publish).not.toHaveBeenCalled();
  });

  it(`after ${MAX_ATTEMPTS} failed attempts sends the message to the dead-letter topic, then carries on with the next`, async () => {
    const { consumer, record, publish, metrics } = setup(async () => 'stored');
    for (let i = 0; i < MAX_ATTEMPTS; i++) record.mockRejectedValueOnce(new Error('still down'));
    const value = Buffer.from(JSON.stringify(registryEvent()));

    await expect(consumer.onEvent(value, context('42'))).resolves.toBeUndefined();
    expect(record).toHaveBeenCalledTimes(MAX_ATTEMPTS);
    expect(sleepMock.mock.calls.map(([ms]) => ms)).toEqual([250, 500, 1000]);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(await counted(metrics, 'registry_consumer_messages_retried_total')).toBe(MAX_ATTEMPTS - 1);
    expect(await counted(metrics, 'registry_consumer_messages_dead_lettered_total')).toBe(1);
    const [topic, message] = publish.mock.calls[0];
    expect(topic).toBe('msg_collection.dlq');
    expect(message).toEqual({
      key: Buffer.from('k'),
      value,
      headers: expect.objectContaining({
        'event-type': 'user.created',
        'dlq-error': 'still down',
        'dlq-attempts': String(MAX_ATTEMPTS),
        'dlq-original-topic': 'msg_collection',
        'dlq-original-partition': '3',
        'dlq-original-offset': '42',
      }),
    });

    const next = registryEvent({ id: '00000000-0000-4000-8000-000000000001', sequence: 2 });
    await consumer.onEvent(next, context('43'));
    expect(record).toHaveBeenLastCalledWith(next, { topic: 'msg_collection', partition: 3, offset: '43' });
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('dead-letters a message that is not an event at once, without retrying', async () => {
    const { consumer, record, publish } = setup(async () => 'stored');
    await consumer.onEvent(Buffer.from('{not json'), context());
    expect(record).not.toHaveBeenCalled();
    expect(sleepMock).not.toHaveBeenCalled();
    expect(publish).toHaveBeenCalledWith(
      'msg_collection.dlq',
      expect.objectContaining({ headers: expect.objectContaining({ 'dlq-attempts': '1', 'dlq-error': 'value is not JSON' }) }),
    );
  });

  it('fails (so Kafka redelivers) when even the dead-letter send fails', async () => {
    const { consumer, publish } = setup(async () => {
      throw new Error('down');
    });
    publish.mockRejectedValueOnce(new Error('broker down'));
    await expect(consumer.onEvent(registryEvent(), context())).rejects.toThrow('broker down');
  });
});
