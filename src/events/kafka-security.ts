import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { KafkaSaslConfig, KafkaSecurity } from '../config/app-config';

/** The signer is injectable so that a spec can check what the token provider asks it for. */
export type MskTokenSigner = (options: { region: string }) => Promise<{ token: string }>;

/** kafkajs `ssl` and `sasl` options for the configured security; `{}` for plaintext. */
export function kafkaSecurityOptions(
  security: KafkaSecurity,
  signer: MskTokenSigner = generateAuthToken,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security.ssl) {
    const { ca, cert, key } = security.ssl;
    // Without a CA of our own, Node's trusted roots apply (Amazon MSK's certificates chain to them).
    options.ssl = ca || cert ? { ...(ca && { ca: [ca] }), ...(cert && { cert }), ...(key && { key }) } : true;
  }
  if (security.sasl) options.sasl = saslOptions(security.sasl, signer);
  return options;
}

function saslOptions(sasl: KafkaSaslConfig, signer: MskTokenSigner): SASLOptions {
  if (sasl.mechanism === 'aws-msk-iam') {
    const { region } = sasl;
    // A fresh token on every (re)authentication: the signer reads credentials from the AWS chain each time.
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: (await signer({ region })).token }) };
  }
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
}

/** E.g. `PLAINTEXT`, `SSL`, `SASL_SSL/SCRAM-SHA-512`, `SASL_SSL/AWS_MSK_IAM`: for /health and logs, never a secret. */
export function describeKafkaSecurity(security: KafkaSecurity): string {
  const transport = security.ssl ? (security.sasl ? 'SASL_SSL' : 'SSL') : security.sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  const mechanism = security.sasl
    ? `/${security.sasl.mechanism === 'aws-msk-iam' ? 'AWS_MSK_IAM' : security.sasl.mechanism.toUpperCase()}`
    : '';
  const mutual = security.ssl?.cert ? ' (mutual TLS)' : '';
  return `${transport}${mechanism}${mutual}`;
}
