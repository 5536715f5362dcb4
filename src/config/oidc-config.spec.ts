import { loadConfig } from './load-config';
import { configErrorFor, VALID_ENV as validEnv, OIDC_ENV as oidc } from './testing/config-env';

const viewer = {
  OIDC_VIEWER_CLIENT_ID: 'registry-viewer',
  OIDC_AUTHORIZATION_URL: 'https://idp.example.com/authorize',
  OIDC_TOKEN_URL: 'https://idp.example.com/token',
};

const errorFor = (env: NodeJS.ProcessEnv): string => configErrorFor({ ...validEnv, ...env });

describe("the viewer's OIDC login settings", () => {
  it('reads the client id and endpoints, with the openid scope unless told otherwise', () => {
    expect(loadConfig({ ...validEnv, ...oidc, ...viewer }).auth.oidc?.viewerLogin).toEqual({
      clientId: 'registry-viewer',
      authorizationUrl: 'https://idp.example.com/authorize',
      tokenUrl: 'https://idp.example.com/token',
      scope: 'openid',
    });
    const scoped = loadConfig({ ...validEnv, ...oidc, ...viewer, OIDC_VIEWER_SCOPE: 'openid registry:read' });
    expect(scoped.auth.oidc?.viewerLogin?.scope).toBe('openid registry:read');
  });

  it('is off without a client id, also where OIDC bearer tokens are accepted', () => {
    expect(loadConfig({ ...validEnv, ...oidc }).auth.oidc).not.toHaveProperty('viewerLogin');
  });

  it.each([
    [
      { ...oidc, OIDC_VIEWER_CLIENT_ID: 'registry-viewer' },
      'OIDC_AUTHORIZATION_URL and OIDC_TOKEN_URL are required with OIDC_VIEWER_CLIENT_ID',
    ],
    [{ ...oidc, ...viewer, OIDC_TOKEN_URL: undefined }, 'OIDC_TOKEN_URL is required with OIDC_VIEWER_CLIENT_ID and OIDC_AUTHORIZATION_URL'],
    [{ ...oidc, ...viewer, OIDC_VIEWER_CLIENT_ID: '' }, 'OIDC_VIEWER_CLIENT_ID is required with OIDC_AUTHORIZATION_URL and OIDC_TOKEN_URL'],
    [viewer, 'OIDC_VIEWER_CLIENT_ID needs OIDC (OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URL)'],
    [{ ...oidc, ...viewer, OIDC_VIEWER_CLIENT_ID: 'two words' }, 'OIDC_VIEWER_CLIENT_ID must be 1-256 visible characters without spaces'],
    [{ ...oidc, ...viewer, OIDC_AUTHORIZATION_URL: 'idp.example.com/authorize' }, 'OIDC_AUTHORIZATION_URL must be an http(s) URL'],
    [{ ...oidc, ...viewer, OIDC_TOKEN_URL: 'ftp://idp.example.com/token' }, 'OIDC_TOKEN_URL must be an http(s) URL'],
    [{ ...oidc, ...viewer, OIDC_VIEWER_SCOPE: 'openid  "profile"' }, 'OIDC_VIEWER_SCOPE must be space-separated scope names'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const error = errorFor(env);
    expect(error.split('\n')).toHaveLength(1);
    expect(error).toContain(message);
  });
});
