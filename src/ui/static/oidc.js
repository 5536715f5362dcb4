// The OIDC login: the Authorization Code flow with PKCE (RFC 7636, S256), run in the browser for the public client
// the registry names in /ui/config.json. The verifier and state wait in sessionStorage while the identity provider
// has the tab; the access token it answers is kept like a pasted one.
import { TOKEN_KEY } from './common.js';

const PENDING_KEY = 'registry-oidc-pending';
const redirectUri = () => `${location.origin}/ui`;
const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const randomString = (size) => base64url(crypto.getRandomValues(new Uint8Array(size)));

/** The viewer's settings; none (a token is pasted) when they cannot be read. */
export async function viewerConfig() {
  try {
    const response = await fetch('/ui/config.json');
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

/** Sends the tab to the identity provider, which sends it back to /ui with a code (or an error). */
export async function beginOidcLogin(login) {
  if (!crypto.subtle) throw new Error('it needs the page served over https (the browser offers no SHA-256 here)');
  const verifier = randomString(32);
  const state = randomString(16);
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, verifier, hash: location.hash }));
  const url = new URL(login.authorizationUrl);
  const params = {
    response_type: 'code',
    client_id: login.clientId,
    redirect_uri: redirectUri(),
    scope: login.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url);
}

/**
 * Finishes the login the identity provider sent this tab back from (`?code=…&state=…` or `?error=…&state=…`), and
 * cleans the address either way. Answers what went wrong, for the sign-in page; nothing when it signed in or when
 * this load is no such answer.
 */
export async function finishOidcLogin(login) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null');
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', `${location.pathname}${pending?.hash ?? ''}`);
  if (!login) return 'This registry offers no OIDC login: sign in with a token.';
  // Before anything the answer says: a link someone else made (their code, their error text) is refused unread.
  if (!pending || params.get('state') !== pending.state) {
    return 'The sign-in answer was refused: it does not belong to a sign-in started in this tab (state mismatch). Sign in again.';
  }
  if (params.has('error')) return `The identity provider refused the sign-in: ${params.get('error_description') || params.get('error')}.`;
  let response;
  try {
    response = await fetch(login.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.get('code'),
        redirect_uri: redirectUri(),
        client_id: login.clientId,
        code_verifier: pending.verifier,
      }),
    });
  } catch (error) {
    return `The identity provider's token endpoint did not answer (${error.message}); is it up, and does it allow this origin (CORS)?`;
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.access_token !== 'string') {
    return `The identity provider issued no token: ${body.error_description || body.error || `${response.status} ${response.statusText}`}.`;
  }
  sessionStorage.setItem(TOKEN_KEY, body.access_token);
  return undefined;
}
