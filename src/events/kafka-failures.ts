import { KafkaSecurity } from '../config/app-config';
import { describeKafkaSecurity } from './kafka-security';

/** Kafka refused us at start-up for a reason the operator must fix: main.ts prints the message alone. */
export class KafkaStartupError extends Error {
  override readonly name = 'KafkaStartupError';
}

// Node's codes for a certificate chain that does not lead to a trusted CA.
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * One line saying what went wrong and which setting to check, for the
 * failures a configuration causes: bad credentials, an untrusted or
 * mismatched certificate, unreachable brokers. Never includes a secret.
 */
export function explainKafkaFailure(error: unknown, security: KafkaSecurity, brokers: readonly string[]): string {
  const chain = causes(error);
  if (chain.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    const sasl = security.sasl;
    if (sasl?.mechanism === 'aws-msk-iam') {
      return `Kafka: authentication failed (SASL AWS_MSK_IAM, region ${sasl.region}) — check the AWS credentials, KAFKA_AWS_REGION and the cluster's IAM policy`;
    }
    const who = sasl ? ` for user "${sasl.username}"` : '';
    return `Kafka: authentication failed (${describeKafkaSecurity(security)}${who}) — check KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD`;
  }
  const codes = chain.map((e) => (e as { code?: unknown }).code).filter((code): code is string => typeof code === 'string');
  const untrusted = codes.find((code) => UNTRUSTED_CODES.has(code));
  if (untrusted) return `Kafka: TLS certificate not trusted (${untrusted}) — check KAFKA_SSL_CA_FILE`;
  if (codes.includes('CERT_HAS_EXPIRED')) return "Kafka: the broker's TLS certificate has expired";
  if (codes.includes('ERR_TLS_CERT_ALTNAME_INVALID'))
    return "Kafka: the broker's TLS certificate does not name the host connected to — check KAFKA_BROKERS";
  const connection = chain.find((e) => e.name === 'KafkaJSConnectionError');
  if (connection) {
    const hint = security.ssl ? 'check KAFKA_BROKERS and that the listener speaks TLS (KAFKA_SSL)' : 'check KAFKA_BROKERS';
    return `Kafka: cannot connect to ${brokers.join(',')} (${connection.message}) — ${hint}`;
  }
  return `Kafka: ${chain[chain.length - 1]?.message ?? String(error)} (${describeKafkaSecurity(security)})`;
}

/** The error and what it wraps (kafkajs puts the original in `cause`, retries in `originalError`). */
function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  let current: unknown = error;
  while (current instanceof Error && !chain.includes(current) && chain.length < 10) {
    chain.push(current);
    const next = current as { cause?: unknown; originalError?: unknown };
    current = next.cause ?? next.originalError;
  }
  return chain;
}
