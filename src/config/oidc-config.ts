import { OidcConfig } from './app-config';
import { EnvironmentVariables } from './environment';

/** OIDC bearer tokens: the issuer, audience and JWKS URL go together, and the settings that build on them need all three. */
export function oidcConfig(vars: EnvironmentVariables): OidcConfig | undefined {
  if (!vars.OIDC_ISSUER || !vars.OIDC_AUDIENCE || !vars.OIDC_JWKS_URL) return undefined;
  const { OIDC_VIEWER_CLIENT_ID: clientId, OIDC_AUTHORIZATION_URL: authorizationUrl, OIDC_TOKEN_URL: tokenUrl } = vars;
  return {
    issuer: vars.OIDC_ISSUER,
    audience: vars.OIDC_AUDIENCE,
    jwksUrl: vars.OIDC_JWKS_URL,
    userClaim: vars.OIDC_USER_CLAIM,
    jitProvisioning: vars.OIDC_JIT_PROVISIONING,
    clockToleranceSeconds: vars.OIDC_CLOCK_SKEW_SECONDS,
    algorithms: vars.OIDC_ALGORITHMS.split(','),
    ...(clientId && authorizationUrl && tokenUrl
      ? { viewerLogin: { clientId, authorizationUrl, tokenUrl, scope: vars.OIDC_VIEWER_SCOPE } }
      : {}),
  };
}

/** What is missing between the OIDC settings, each problem on one line. */
export function oidcProblems(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  const oidc = { OIDC_ISSUER: vars.OIDC_ISSUER, OIDC_AUDIENCE: vars.OIDC_AUDIENCE, OIDC_JWKS_URL: vars.OIDC_JWKS_URL };
  const complete = missingTogether(oidc, problems, 'OIDC needs issuer, audience and JWKS URL');
  const needsOidc = ['USERS_SELF_REGISTRATION', 'OIDC_JIT_PROVISIONING'] as const;
  for (const name of needsOidc) if (vars[name] && !complete) problems.push(`${name}=true needs OIDC (${Object.keys(oidc).join(', ')})`);
  const viewer = {
    OIDC_VIEWER_CLIENT_ID: vars.OIDC_VIEWER_CLIENT_ID,
    OIDC_AUTHORIZATION_URL: vars.OIDC_AUTHORIZATION_URL,
    OIDC_TOKEN_URL: vars.OIDC_TOKEN_URL,
  };
  missingTogether(viewer, problems, "the viewer's OIDC login needs client id, authorization URL and token URL");
  if (vars.OIDC_VIEWER_CLIENT_ID && !complete)
    problems.push(`OIDC_VIEWER_CLIENT_ID needs OIDC (${Object.keys(oidc).join(', ')}), which accepts the tokens it gets`);
  return problems;
}

/** Settings that go together: all given (true), none (false), or some, which is a problem naming the missing ones. */
function missingTogether(settings: Record<string, string | undefined>, problems: string[], why: string): boolean {
  const given = Object.keys(settings).filter((name) => settings[name]);
  const missing = Object.keys(settings).filter((name) => !settings[name]);
  if (given.length > 0 && missing.length > 0)
    problems.push(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required with ${given.join(' and ')} (${why})`);
  return missing.length === 0;
}
