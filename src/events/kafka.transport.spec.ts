import { loadConfig } from '../config/load-config';
import { AuditConsumerState } from './consumer-state';
import { consumerClientConfig, consumerGroupTiming, createKafkaServer, kafkaClientConfig } from './kafka.transport';

const env = { MONGODB_URI: 'mongodb://127.0.0.1:27118/registry', KAFKA_BROKERS: '127.0.0.1:19092' };

describe(consumerGroupTiming.name, () => {
  it('lets the group client wait longer than the broker may hold a JoinGroup or SyncGroup', () => {
    const timing = consumerGroupTiming(loadConfig(env));
    // The broker holds group requests up to the rebalance timeout: a shorter client timeout
    // crashes the consumer mid-rebalance and restarts it into the next one (tulios/kafkajs#1527).
    expect(timing.requestTimeout).toBeGreaterThanOrEqual(timing.rebalanceTimeout + 5000);
    expect(timing).toMatchObject({ sessionTimeout: 10_000, heartbeatInterval: 3000, rebalanceTimeout: 15_000 });
  });

  it('keeps a longer configured request timeout and leaves the other clients at it', () => {
    const config = loadConfig({ ...env, KAFKA_REQUEST_TIMEOUT_MS: '45000' });
    expect(consumerGroupTiming(config).requestTimeout).toBe(45_000);
    expect(kafkaClientConfig(loadConfig(env)).requestTimeout).toBe(10_000);
    expect(consumerClientConfig(loadConfig(env)).requestTimeout).toBe(20_000);
  });

  it('gives the audit consumer the group timing and its client the longer request timeout', () => {
    const server = createKafkaServer(
      loadConfig({ ...env, KAFKA_SESSION_TIMEOUT_MS: '12000', KAFKA_REBALANCE_TIMEOUT_MS: '30000' }),
      new AuditConsumerState(),
    );
    const options = (server as unknown as { options: { client: { requestTimeout: number }; consumer: Record<string, unknown> } }).options;
    expect(options.consumer).toMatchObject({ sessionTimeout: 12_000, heartbeatInterval: 3000, rebalanceTimeout: 30_000 });
    expect(options.client.requestTimeout).toBe(35_000);
  });
});
