import { ConfigError, loadConfig } from '../load-config';

/** The least environment the service boots with: the local stack's MongoDB and Kafka. */
export const VALID_ENV = { MONGODB_URI: 'mongodb://127.0.0.1:27118/dataset_registry?retryWrites=false', KAFKA_BROKERS: '127.0.0.1:19092' };

/** An OIDC provider's three required settings. */
export const OIDC_ENV = {
  OIDC_ISSUER: 'https://idp.example.com/',
  OIDC_AUDIENCE: 'dataset-registry',
  OIDC_JWKS_URL: 'https://idp.example.com/jwks',
};

/** The one-line message loadConfig refuses `env` with (a ConfigError); fails the test if it loads. */
export function configErrorFor(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}
