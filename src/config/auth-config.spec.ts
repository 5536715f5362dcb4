import { newApiToken } from '../tokens/token-format';
import { loadConfig } from './load-config';
import { configErrorFor, VALID_ENV as validEnv, OIDC_ENV as oidc } from './testing/config-env';

const errorFor = (env: NodeJS.ProcessEnv): string => configErrorFor({ ...validEnv, ...env });

describe('access settings', () => {
  it('reads the bootstrap admin, OIDC, docs and CORS settings', () => {
    const token = newApiToken().token;
    const config = loadConfig({
      ...validEnv,
      ...oidc,
      BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com',
      BOOTSTRAP_ADMIN_TOKEN: token,
      OIDC_USER_CLAIM: 'email',
      OIDC_JIT_PROVISIONING: 'true',
      OIDC_CLOCK_SKEW_SECONDS: '10',
      OIDC_ALGORITHMS: 'ES256,EdDSA',
      USERS_SELF_REGISTRATION: 'true',
      AUTH_CACHE_SECONDS: '0',
      DOCS_ENABLED: 'false',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
    });
    expect(config.auth).toEqual({
      bootstrapAdmin: { email: 'ops@example.com', token },
      oidc: {
        issuer: oidc.OIDC_ISSUER,
        audience: 'dataset-registry',
        jwksUrl: oidc.OIDC_JWKS_URL,
        userClaim: 'email',
        jitProvisioning: true,
        clockToleranceSeconds: 10,
        algorithms: ['ES256', 'EdDSA'],
      },
      selfRegistration: true,
      cacheMs: 0,
    });
    expect(config.http).toMatchObject({ docsEnabled: false, corsOrigins: ['https://app.example.com', 'http://localhost:5173'] });
    expect(loadConfig({ ...validEnv, CORS_ORIGINS: '*' }).http.corsOrigins).toBe('*');
  });

  it.each([
    [{ BOOTSTRAP_ADMIN_EMAIL: 'not-an-address' }, 'BOOTSTRAP_ADMIN_EMAIL must be an e-mail address'],
    [{ BOOTSTRAP_ADMIN_TOKEN: newApiToken().token }, 'BOOTSTRAP_ADMIN_TOKEN needs BOOTSTRAP_ADMIN_EMAIL'],
    [{ OIDC_ISSUER: oidc.OIDC_ISSUER }, 'OIDC_AUDIENCE and OIDC_JWKS_URL are required with OIDC_ISSUER'],
    [{ ...oidc, OIDC_JWKS_URL: 'ftp://idp/jwks' }, 'OIDC_JWKS_URL must be an http(s) URL'],
    [{ ...oidc, OIDC_USER_CLAIM: 'name' }, 'OIDC_USER_CLAIM must be sub or email'],
    [{ ...oidc, OIDC_ALGORITHMS: 'none' }, 'OIDC_ALGORITHMS must be a comma-separated list'],
    [{ ...oidc, OIDC_CLOCK_SKEW_SECONDS: '301' }, 'OIDC_CLOCK_SKEW_SECONDS must be an integer between 0 and 300'],
    [{ OIDC_JIT_PROVISIONING: 'true' }, 'OIDC_JIT_PROVISIONING=true needs OIDC'],
    [{ USERS_SELF_REGISTRATION: 'true' }, 'USERS_SELF_REGISTRATION=true needs OIDC'],
    [{ AUTH_CACHE_SECONDS: 'soon' }, 'AUTH_CACHE_SECONDS must be an integer between 0 and 300'],
    [{ DOCS_ENABLED: 'maybe' }, 'DOCS_ENABLED must be true or false'],
    [{ METRICS_ENABLED: 'yes please' }, 'METRICS_ENABLED must be true or false'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS must be * or a comma-separated list of origins'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const error = errorFor(env);
    expect(error.split('\n')).toHaveLength(1);
    expect(error).toContain(message);
  });

  it('never echoes the bootstrap token, which is a secret', () => {
    const error = errorFor({ BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com', BOOTSTRAP_ADMIN_TOKEN: 'dsr_secret-but-malformed' });
    expect(error).toContain('BOOTSTRAP_ADMIN_TOKEN must be a registry API token');
    expect(error).not.toContain('secret-but-malformed');
  });
});
