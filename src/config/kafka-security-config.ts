import { readFileSync } from 'node:fs';
import { KafkaSecurity } from './app-config';
import { ConfigError } from './config-error';
import { EnvironmentVariables } from './environment';

/**
 * The rules between the Kafka security settings, which the per-variable
 * validation cannot state, and the reading of the PEM files they name (at
 * boot, so a missing file stops the start with one line naming the variable).
 */
export function kafkaSecurity(vars: EnvironmentVariables, env: NodeJS.ProcessEnv): KafkaSecurity {
  const tlsFiles = {
    KAFKA_SSL_CA_FILE: vars.KAFKA_SSL_CA_FILE,
    KAFKA_SSL_CERT_FILE: vars.KAFKA_SSL_CERT_FILE,
    KAFKA_SSL_KEY_FILE: vars.KAFKA_SSL_KEY_FILE,
  };
  const given = Object.entries(tlsFiles).filter(([, file]) => file !== undefined);
  if (!vars.KAFKA_SSL && given.length > 0) {
    throw new ConfigError(`Invalid configuration: ${given[0][0]} needs KAFKA_SSL=true`);
  }
  if ((vars.KAFKA_SSL_CERT_FILE === undefined) !== (vars.KAFKA_SSL_KEY_FILE === undefined)) {
    throw new ConfigError('Invalid configuration: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mutual TLS needs both)');
  }
  const security: { ssl?: KafkaSecurity['ssl']; sasl?: KafkaSecurity['sasl'] } = {};
  if (vars.KAFKA_SSL) {
    security.ssl = {
      ...(vars.KAFKA_SSL_CA_FILE && { ca: readPem('KAFKA_SSL_CA_FILE', vars.KAFKA_SSL_CA_FILE) }),
      ...(vars.KAFKA_SSL_CERT_FILE && { cert: readPem('KAFKA_SSL_CERT_FILE', vars.KAFKA_SSL_CERT_FILE) }),
      ...(vars.KAFKA_SSL_KEY_FILE && { key: readPem('KAFKA_SSL_KEY_FILE', vars.KAFKA_SSL_KEY_FILE) }),
    };
  }
  const mechanism = vars.KAFKA_SASL_MECHANISM;
  if (mechanism === 'aws-msk-iam') {
    // MSK serves IAM authentication on its TLS listener only.
    if (!vars.KAFKA_SSL) throw new ConfigError('Invalid configuration: KAFKA_SASL_MECHANISM=aws-msk-iam needs KAFKA_SSL=true');
    const region = vars.KAFKA_AWS_REGION ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region)
      throw new ConfigError('Invalid configuration: KAFKA_AWS_REGION (or AWS_REGION) is required for KAFKA_SASL_MECHANISM=aws-msk-iam');
    security.sasl = { mechanism, region };
  } else if (mechanism !== 'none') {
    if (vars.KAFKA_SASL_USERNAME === undefined || vars.KAFKA_SASL_PASSWORD === undefined) {
      throw new ConfigError(
        `Invalid configuration: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required for KAFKA_SASL_MECHANISM=${mechanism}`,
      );
    }
    security.sasl = { mechanism, username: vars.KAFKA_SASL_USERNAME, password: vars.KAFKA_SASL_PASSWORD };
  } else if (vars.KAFKA_SASL_USERNAME !== undefined || vars.KAFKA_SASL_PASSWORD !== undefined) {
    throw new ConfigError(
      'Invalid configuration: KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)',
    );
  }
  return security;
}

function readPem(variable: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: ${variable} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}: ${file})`,
    );
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(`Invalid configuration: ${variable} is not a PEM file (${file})`);
  return text;
}
