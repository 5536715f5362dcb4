import { loadConfig } from './load-config';
import { configErrorFor, VALID_ENV as validEnv } from './testing/config-env';

const errorFor = (env: NodeJS.ProcessEnv): string => configErrorFor(env);

describe(loadConfig.name, () => {
  it('applies the documented defaults to a minimal environment', () => {
    expect(loadConfig(validEnv)).toEqual({
      nodeEnv: 'development',
      http: {
        host: '0.0.0.0',
        port: 3000,
        jsonBodyLimit: '5mb',
        rateLimitPerMinute: 6000,
        docsEnabled: true,
        metricsEnabled: true,
        corsOrigins: [],
      },
      auth: { selfRegistration: false, cacheMs: 5000 },
      logLevel: 'info',
      mongodb: { uri: validEnv.MONGODB_URI },
      lockTtlMs: 6000,
      trash: { retentionDays: 30 },
      records: { maxBytes: 1024 ** 3, maxRows: 20_000_000 },
      kafka: {
        brokers: ['127.0.0.1:19092'],
        clientId: 'dataset-registry',
        groupId: 'dataset-registry',
        topic: 'msg_collection',
        topicPartitions: 3,
        security: {},
        timing: { requestTimeoutMs: 10_000, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3000, rebalanceTimeoutMs: 15_000 },
      },
      archive: {
        enabled: false,
        groupId: 'dataset-registry-archive',
        prefix: '',
        maxEvents: 10_000,
        maxBytes: 16 * 1024 ** 2,
        maxAgeMs: 60_000,
        s3: { bucket: 'dataset-registry-archive', region: 'us-east-1', forcePathStyle: false },
      },
    });
  });

  it('reads every setting when given', () => {
    const config = loadConfig({
      ...validEnv,
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      JSON_BODY_LIMIT: '512KB',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'debug',
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      KAFKA_CLIENT_ID: 'registry-a',
      KAFKA_GROUP_ID: 'registry-events',
      KAFKA_TOPIC: 'platform.msg_collection',
      KAFKA_TOPIC_PARTITIONS: '6',
      KAFKA_REQUEST_TIMEOUT_MS: '20000',
      KAFKA_SESSION_TIMEOUT_MS: '30000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '5000',
      KAFKA_REBALANCE_TIMEOUT_MS: '60000',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      http: { host: '127.0.0.1', port: 8080, jsonBodyLimit: '512kb', rateLimitPerMinute: 0 },
      logLevel: 'debug',
      kafka: {
        brokers: ['kafka-1:9092', 'kafka-2:9092'],
        clientId: 'registry-a',
        groupId: 'registry-events',
        topic: 'platform.msg_collection',
        topicPartitions: 6,
        timing: { requestTimeoutMs: 20_000, sessionTimeoutMs: 30_000, heartbeatIntervalMs: 5000, rebalanceTimeoutMs: 60_000 },
      },
    });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ ...validEnv, PORT: '', KAFKA_TOPIC: '' }).kafka.topic).toBe('msg_collection');
  });

  it.each([
    ['MONGODB_URI', undefined, 'Invalid configuration: MONGODB_URI is required (a mongodb:// or mongodb+srv:// connection string)'],
    [
      'KAFKA_BROKERS',
      undefined,
      'Invalid configuration: KAFKA_BROKERS is required (a comma-separated host:port list, e.g. 127.0.0.1:19092)',
    ],
    ['PORT', 'abc', 'Invalid configuration: PORT must be an integer between 1 and 65535 (got "abc")'],
    ['PORT', '70000', 'Invalid configuration: PORT must be an integer between 1 and 65535 (got "70000")'],
    ['PORT', '3.5', 'Invalid configuration: PORT must be an integer between 1 and 65535 (got "3.5")'],
    ['MONGODB_URI', 'postgres://db', 'Invalid configuration: MONGODB_URI must be a mongodb:// or mongodb+srv:// connection string'],
    ['KAFKA_BROKERS', 'localhost', 'Invalid configuration: KAFKA_BROKERS must be a comma-separated list of host:port (got "localhost")'],
    ['KAFKA_TOPIC', 'bad topic!', 'Invalid configuration: KAFKA_TOPIC must be 1-245 letters, digits, ".", "_" or "-" (got "bad topic!")'],
    ['KAFKA_GROUP_ID', 'a/b', 'Invalid configuration: KAFKA_GROUP_ID must be 1-128 letters, digits, ".", "_" or "-" (got "a/b")'],
    ['KAFKA_TOPIC_PARTITIONS', '0', 'Invalid configuration: KAFKA_TOPIC_PARTITIONS must be an integer between 1 and 1000 (got "0")'],
    [
      'KAFKA_SESSION_TIMEOUT_MS',
      '3000',
      'Invalid configuration: KAFKA_SESSION_TIMEOUT_MS must be an integer between 6000 and 1800000 (got "3000")',
    ],
    [
      'KAFKA_REQUEST_TIMEOUT_MS',
      'soon',
      'Invalid configuration: KAFKA_REQUEST_TIMEOUT_MS must be an integer between 1000 and 300000 (got "soon")',
    ],
    [
      'KAFKA_HEARTBEAT_INTERVAL_MS',
      '4000',
      'Invalid configuration: KAFKA_HEARTBEAT_INTERVAL_MS must be at most a third of KAFKA_SESSION_TIMEOUT_MS (got 4000 and 10000)',
    ],
    [
      'KAFKA_REBALANCE_TIMEOUT_MS',
      '8000',
      'Invalid configuration: KAFKA_REBALANCE_TIMEOUT_MS must be at least KAFKA_SESSION_TIMEOUT_MS (got 8000 and 10000)',
    ],
    ['JSON_BODY_LIMIT', '5 gigs', 'Invalid configuration: JSON_BODY_LIMIT must be a size such as 512kb or 5mb (got "5 gigs")'],
    ['RATE_LIMIT_PER_MINUTE', '-1', 'Invalid configuration: RATE_LIMIT_PER_MINUTE must be a non-negative integer (got "-1")'],
    ['LOCK_TTL_SECONDS', '1', 'Invalid configuration: LOCK_TTL_SECONDS must be an integer between 2 and 3600 (got "1")'],
    ['TRASH_RETENTION_DAYS', '3651', 'Invalid configuration: TRASH_RETENTION_DAYS must be an integer between 0 and 3650 (got "3651")'],
    ['TRASH_RETENTION_DAYS', '1.5', 'Invalid configuration: TRASH_RETENTION_DAYS must be an integer between 0 and 3650 (got "1.5")'],
    ['TRASH_RETENTION_DAYS', '-1', 'Invalid configuration: TRASH_RETENTION_DAYS must be an integer between 0 and 3650 (got "-1")'],
    ['RECORDS_MAX_BODY', 'lots', 'Invalid configuration: RECORDS_MAX_BODY must be a size such as 512mb or 2gb (got "lots")'],
    ['RECORDS_MAX_ROWS', '-5', 'Invalid configuration: RECORDS_MAX_ROWS must be a positive integer (got "-5")'],
    ['LOG_LEVEL', 'loud', 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    ['NODE_ENV', 'staging', 'Invalid configuration: NODE_ENV must be one of development, production, test (got "staging")'],
  ])('rejects %s=%j with a message naming it', (variable, value, message) => {
    expect(errorFor({ ...validEnv, [variable]: value })).toBe(message);
  });

  it('reads TRASH_RETENTION_DAYS from 0 (purge at the next sweep) to 3650', () => {
    expect(loadConfig({ ...validEnv, TRASH_RETENTION_DAYS: '0' }).trash).toEqual({ retentionDays: 0 });
    expect(loadConfig({ ...validEnv, TRASH_RETENTION_DAYS: '3650' }).trash).toEqual({ retentionDays: 3650 });
  });

  it('never echoes the MongoDB URI, which may hold a password', () => {
    expect(errorFor({ ...validEnv, MONGODB_URI: 'mongo://admin:s3cret@db' })).not.toContain('s3cret');
  });

  it('reports every bad variable on one line', () => {
    const message = errorFor({ PORT: 'x', KAFKA_BROKERS: 'nope' });
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('PORT must be');
    expect(message).toContain('MONGODB_URI is required');
    expect(message).toContain('KAFKA_BROKERS must be');
  });
});
