import { exportJWK, generateKeyPair, JWK, JWTPayload, KeyLike, SignJWT } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';

export const ISSUER = 'https://idp.example.test/';
export const AUDIENCE = 'dataset-registry';
export const VIEWER_CLIENT_ID = 'registry-viewer';

/** A code the authorization endpoint handed out, waiting for its exchange. */
interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  sub: string;
  claims: JWTPayload;
}

/**
 * A stand-in identity provider served by the test itself: an RSA key pair
 * whose public half is on a real JWKS endpoint, and a signer of access tokens.
 * `rogue` is a second key the JWKS does not list. For a browser login it is
 * also an authorization server: its authorization endpoint approves `signedIn`
 * at once (no login page), its token endpoint checks the PKCE verifier.
 */
export class TestIdentityProvider {
  private server?: http.Server;
  private key!: KeyLike;
  private rogue!: KeyLike;
  private jwk?: JWK;
  private client?: { id: string; redirectUri: string };
  private readonly codes = new Map<string, IssuedCode>();
  readonly kid = 'test-key-1';
  jwksUrl = '';
  authorizationUrl = '';
  tokenUrl = '';
  /** Requests the JWKS endpoint has served. */
  jwksRequests = 0;
  /** Requests the token endpoint has had (preflights aside). */
  tokenRequests = 0;
  /** Whom the authorization endpoint signs in. */
  signedIn?: { sub: string; claims?: JWTPayload };
  /** Spoils the next authorization answer: another state than the one asked for, a code never issued, or an error. */
  nextAnswer?: { state: string } | { code: string } | { error: string; description: string };

  async start(): Promise<this> {
    const pair = await generateKeyPair('RS256');
    this.key = pair.privateKey;
    this.rogue = (await generateKeyPair('RS256')).privateKey;
    this.jwk = { ...(await exportJWK(pair.publicKey)), kid: this.kid, alg: 'RS256', use: 'sig' };
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: Error) =>
        answer(response, 500, { error: 'server_error', error_description: error.message }),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.jwksUrl = `${base}/.well-known/jwks.json`;
    this.authorizationUrl = `${base}/authorize`;
    this.tokenUrl = `${base}/token`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Registers the viewer's public client: the only redirect URI it may use, whose origin may call the token endpoint. */
  registerClient(id: string, redirectUri: string): void {
    this.client = { id, redirectUri };
  }

  /** An access token for `sub`, valid for an hour unless `claims` say otherwise; `key: 'rogue'` signs with a key the JWKS lacks. */
  async token(sub: string, claims: JWTPayload = {}, options: { key?: 'ours' | 'rogue'; kid?: string } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600, ...claims, sub })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? this.kid, typ: 'JWT' })
      .sign(options.key === 'rogue' ? this.rogue : this.key);
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.tokenUrl);
    if (url.pathname === '/.well-known/jwks.json') {
      this.jwksRequests++;
      return answer(response, 200, { keys: [this.jwk] });
    }
    if (url.pathname === '/authorize') return this.authorize(url.searchParams, response);
    if (url.pathname === '/token') return this.exchange(request, response);
    answer(response, 404, { error: 'not_found' });
  }

  /** RFC 6749 4.1.1-4.1.2 with RFC 7636: a bad client or redirect URI is answered here, anything else at the redirect URI. */
  private authorize(query: URLSearchParams, response: http.ServerResponse): void {
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!this.client || query.get('client_id') !== this.client.id || redirectUri !== this.client.redirectUri) {
      return answer(response, 400, { error: 'invalid_request', error_description: 'unknown client or redirect URI' });
    }
    const back = new URL(redirectUri);
    const spoiled = this.nextAnswer;
    this.nextAnswer = undefined;
    const challenge = query.get('code_challenge') ?? '';
    let error: [string, string] | undefined;
    if (query.get('response_type') !== 'code') error = ['unsupported_response_type', 'only the code flow'];
    else if (query.get('code_challenge_method') !== 'S256' || !/^[\w-]{43}$/.test(challenge))
      error = ['invalid_request', 'PKCE S256 required'];
    else if (!this.signedIn) error = ['login_required', 'nobody is signed in'];
    else if (spoiled && 'error' in spoiled) error = [spoiled.error, spoiled.description];
    if (error) {
      back.searchParams.set('error', error[0]);
      back.searchParams.set('error_description', error[1]);
    } else if (this.signedIn) {
      const code = randomUUID();
      this.codes.set(code, {
        clientId: this.client.id,
        redirectUri,
        challenge,
        sub: this.signedIn.sub,
        claims: this.signedIn.claims ?? {},
      });
      back.searchParams.set('code', spoiled && 'code' in spoiled ? spoiled.code : code);
    }
    back.searchParams.set('state', spoiled && 'state' in spoiled ? spoiled.state : (query.get('state') ?? ''));
    response.writeHead(302, { location: back.href }).end();
  }

  /** RFC 6749 4.1.3 for a public client: the code once, with its client, redirect URI and the verifier of its challenge. */
  private async exchange(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const origin = this.client && new URL(this.client.redirectUri).origin;
    if (origin && request.headers.origin === origin) {
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('vary', 'Origin');
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'Content-Type' }).end();
      return;
    }
    this.tokenRequests++;
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const form = new URLSearchParams(body);
    const issued = this.codes.get(form.get('code') ?? '');
    this.codes.delete(form.get('code') ?? '');
    const refusal = refusalOf(request, form, issued);
    if (refusal || !issued) return answer(response, 400, { error: 'invalid_grant', error_description: refusal });
    const accessToken = await this.token(issued.sub, issued.claims);
    answer(response, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });
  }
}

/** Why the token endpoint refuses this exchange, if it does. */
function refusalOf(request: http.IncomingMessage, form: URLSearchParams, issued: IssuedCode | undefined): string | undefined {
  if (request.method !== 'POST' || !String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
    return 'a form POST is expected';
  if (form.get('grant_type') !== 'authorization_code') return 'grant_type must be authorization_code';
  if (!issued) return 'unknown or used code';
  if (form.get('client_id') !== issued.clientId || form.get('redirect_uri') !== issued.redirectUri)
    return 'the code was issued to another client or redirect URI';
  const verified = createHash('sha256')
    .update(form.get('code_verifier') ?? '')
    .digest('base64url');
  if (verified !== issued.challenge) return 'code_verifier does not match the code_challenge';
  return undefined;
}

function answer(response: http.ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** An unsecured JWT (`alg: none`) with these claims: what no verifier may accept. */
export function unsecuredJwt(claims: JWTPayload): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

/** The same token with one claim changed in its payload, the signature left as it was. */
export function tampered(token: string, change: JWTPayload): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JWTPayload;
  return [header, Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url'), signature].join('.');
}
