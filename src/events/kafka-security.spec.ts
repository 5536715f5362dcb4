import { describeKafkaSecurity, kafkaSecurityOptions, MskTokenSigner } from './kafka-security';
import { explainKafkaFailure } from './kafka-failures';

describe(kafkaSecurityOptions.name, () => {
  it('is plaintext without settings', () => {
    expect(kafkaSecurityOptions({})).toEqual({});
    expect(describeKafkaSecurity({})).toBe('PLAINTEXT');
  });

  it('passes the CA and client certificate to TLS, and SCRAM credentials to SASL', () => {
    const security = {
      ssl: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM' },
      sasl: { mechanism: 'scram-sha-512' as const, username: 'registry', password: 'pw' },
    };
    expect(kafkaSecurityOptions(security)).toEqual({
      ssl: { ca: ['CA PEM'], cert: 'CERT PEM', key: 'KEY PEM' },
      sasl: { mechanism: 'scram-sha-512', username: 'registry', password: 'pw' },
    });
    expect(describeKafkaSecurity(security)).toBe('SASL_SSL/SCRAM-SHA-512 (mutual TLS)');
  });

  it('uses the system CAs when TLS has no CA file', () => {
    expect(kafkaSecurityOptions({ ssl: {} })).toEqual({ ssl: true });
    expect(describeKafkaSecurity({ ssl: {} })).toBe('SSL');
  });

  // IAM cannot be exercised without AWS: this checks the wiring to the signer.
  it('wires MSK IAM as OAUTHBEARER with tokens from the signer for the configured region', async () => {
    const signer = jest.fn<ReturnType<MskTokenSigner>, Parameters<MskTokenSigner>>().mockResolvedValue({ token: 'signed-token' });
    const options = kafkaSecurityOptions({ ssl: {}, sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' } }, signer);
    expect(options.ssl).toBe(true);
    const sasl = options.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe('oauthbearer');
    expect(signer).not.toHaveBeenCalled();
    await expect(sasl.oauthBearerProvider()).resolves.toEqual({ value: 'signed-token' });
    await sasl.oauthBearerProvider();
    expect(signer.mock.calls).toEqual([[{ region: 'eu-west-1' }], [{ region: 'eu-west-1' }]]);
    expect(describeKafkaSecurity({ ssl: {}, sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' } })).toBe('SASL_SSL/AWS_MSK_IAM');
  });

  it('uses the signer package by default', () => {
    const options = kafkaSecurityOptions({ ssl: {}, sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' } });
    expect(options.sasl).toMatchObject({ mechanism: 'oauthbearer', oauthBearerProvider: expect.any(Function) });
  });
});

describe(explainKafkaFailure.name, () => {
  const scram = { ssl: { ca: 'x' }, sasl: { mechanism: 'scram-sha-512' as const, username: 'registry', password: 'hunter2' } };
  const kafkaError = (name: string, message: string, extra: object = {}): Error => Object.assign(new Error(message), { name }, extra);

  it('names the credentials on an authentication failure, without the password', () => {
    const retries = kafkaError('KafkaJSNonRetriableError', 'wrapped', {
      cause: kafkaError('KafkaJSSASLAuthenticationError', 'SASL failed'),
    });
    const line = explainKafkaFailure(retries, scram, ['b:9096']);
    expect(line).toBe(
      'Kafka: authentication failed (SASL_SSL/SCRAM-SHA-512 for user "registry") — check KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD',
    );
    expect(line).not.toContain('hunter2');
  });

  it('names the CA file when the certificate is not trusted', () => {
    const error = kafkaError('KafkaJSNumberOfRetriesExceeded', 'x', {
      originalError: kafkaError('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain', {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      }),
    });
    expect(explainKafkaFailure(error, scram, ['b:9096'])).toBe(
      'Kafka: TLS certificate not trusted (SELF_SIGNED_CERT_IN_CHAIN) — check KAFKA_SSL_CA_FILE',
    );
  });

  it('names the brokers when they cannot be reached', () => {
    const error = kafkaError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });
    expect(explainKafkaFailure(error, {}, ['127.0.0.1:1'])).toBe(
      'Kafka: cannot connect to 127.0.0.1:1 (Connection error: connect ECONNREFUSED 127.0.0.1:1) — check KAFKA_BROKERS',
    );
  });
});
