import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig } from './load-config';
import { configErrorFor } from './testing/config-env';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27118/db', KAFKA_BROKERS: 'b-1.msk.example:9096' };
const dir = mkdtempSync(path.join(tmpdir(), 'kafka-security-config-'));
const pem = (name: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`);
  return file;
};

const errorFor = (env: NodeJS.ProcessEnv): string => configErrorFor({ ...base, ...env });

describe('Kafka security and archive settings', () => {
  it('reads TLS files and SCRAM credentials', () => {
    const ca = pem('ca.pem');
    const { security } = loadConfig({
      ...base,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT_FILE: pem('client.pem'),
      KAFKA_SSL_KEY_FILE: pem('client.key'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'registry',
      KAFKA_SASL_PASSWORD: 'pw',
    }).kafka;
    expect(security.ssl?.ca).toContain('ca.pem');
    expect(security.ssl?.cert).toContain('client.pem');
    expect(security.ssl?.key).toContain('client.key');
    expect(security.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'registry', password: 'pw' });
  });

  it('takes the IAM region from KAFKA_AWS_REGION, else AWS_REGION', () => {
    const iam = { KAFKA_SSL: '1', KAFKA_SASL_MECHANISM: 'aws-msk-iam' };
    expect(loadConfig({ ...base, ...iam, KAFKA_AWS_REGION: 'eu-west-1', AWS_REGION: 'us-east-2' }).kafka.security).toEqual({
      ssl: {},
      sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
    });
    expect(loadConfig({ ...base, ...iam, AWS_REGION: 'us-east-2' }).kafka.security.sasl).toEqual({
      mechanism: 'aws-msk-iam',
      region: 'us-east-2',
    });
  });

  it.each([
    [{ KAFKA_SSL: 'yes' }, 'Invalid configuration: KAFKA_SSL must be true or false (got "yes")'],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nowhere/ca.pem' },
      'Invalid configuration: KAFKA_SSL_CA_FILE cannot be read (ENOENT: /nowhere/ca.pem)',
    ],
    [{ KAFKA_SSL_CA_FILE: '/nowhere/ca.pem' }, 'Invalid configuration: KAFKA_SSL_CA_FILE needs KAFKA_SSL=true'],
    [
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/x.pem' },
      'Invalid configuration: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mutual TLS needs both)',
    ],
    [
      { KAFKA_SASL_MECHANISM: 'gssapi' },
      'Invalid configuration: KAFKA_SASL_MECHANISM must be one of none, plain, scram-sha-256, scram-sha-512, aws-msk-iam (got "gssapi")',
    ],
    [
      { KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' },
      'Invalid configuration: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required for KAFKA_SASL_MECHANISM=scram-sha-256',
    ],
    [
      { KAFKA_SASL_MECHANISM: 'aws-msk-iam', KAFKA_AWS_REGION: 'eu-west-1' },
      'Invalid configuration: KAFKA_SASL_MECHANISM=aws-msk-iam needs KAFKA_SSL=true',
    ],
    [
      { KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'aws-msk-iam' },
      'Invalid configuration: KAFKA_AWS_REGION (or AWS_REGION) is required for KAFKA_SASL_MECHANISM=aws-msk-iam',
    ],
    [{ ARCHIVE_ENABLED: 'on' }, 'Invalid configuration: ARCHIVE_ENABLED must be true or false (got "on")'],
    [
      { ARCHIVE_S3_BUCKET: 'My_Bucket' },
      'Invalid configuration: ARCHIVE_S3_BUCKET must be a bucket name: 3-63 lower-case letters, digits, "." or "-" (got "My_Bucket")',
    ],
    [
      { ARCHIVE_S3_ENDPOINT: 'localhost:9000' },
      'Invalid configuration: ARCHIVE_S3_ENDPOINT must be an http(s):// URL without a path (got "localhost:9000")',
    ],
    [
      { ARCHIVE_PREFIX: 'archive' },
      'Invalid configuration: ARCHIVE_PREFIX must be path segments each ending in "/", e.g. archive/ (got "archive")',
    ],
    [
      { ARCHIVE_S3_ACCESS_KEY_ID: 'AKIA' },
      'Invalid configuration: ARCHIVE_S3_ACCESS_KEY_ID and ARCHIVE_S3_SECRET_ACCESS_KEY go together (or neither, for the AWS credential chain)',
    ],
  ])('rejects %j with one line naming the setting', (env, message) => {
    expect(errorFor(env)).toBe(message);
  });

  it('never echoes a password or secret key', () => {
    expect(errorFor({ KAFKA_SASL_PASSWORD: 'hunter2' })).not.toContain('hunter2');
    expect(errorFor({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'line1\nline2' })).not.toContain('line1');
    expect(errorFor({ ARCHIVE_S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI K7MDENG' })).not.toContain('wJalr');
  });

  it('builds the archive settings, group defaulting to KAFKA_GROUP_ID-archive', () => {
    const { archive } = loadConfig({
      ...base,
      KAFKA_GROUP_ID: 'reg',
      ARCHIVE_ENABLED: 'true',
      ARCHIVE_PREFIX: 'kafka/raw/',
      ARCHIVE_MAX_EVENTS: '500',
      ARCHIVE_MAX_BYTES: '1mb',
      ARCHIVE_MAX_AGE_SECONDS: '5',
      ARCHIVE_S3_ENDPOINT: 'http://127.0.0.1:19000/',
      ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
      ARCHIVE_S3_ACCESS_KEY_ID: 'key',
      ARCHIVE_S3_SECRET_ACCESS_KEY: 'secret',
    });
    expect(archive).toEqual({
      enabled: true,
      groupId: 'reg-archive',
      prefix: 'kafka/raw/',
      maxEvents: 500,
      maxBytes: 1024 ** 2,
      maxAgeMs: 5000,
      s3: {
        bucket: 'dataset-registry-archive',
        endpoint: 'http://127.0.0.1:19000',
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
      },
    });
  });
});
