import { exportJWK, generateKeyPair, JWTPayload, KeyLike, SignJWT } from 'jose';
import http from 'node:http';
import { AddressInfo } from 'node:net';

export const ISSUER = 'https://idp.example.test/';
export const AUDIENCE = 'dataset-registry';

/**
 * A stand-in identity provider served by the test itself: an RSA key pair
 * whose public half is on a real JWKS endpoint, and a signer of access tokens.
 * `rogue` is a second key the JWKS does not list.
 */
export class TestIdentityProvider {
  private server?: http.Server;
  private key!: KeyLike;
  private rogue!: KeyLike;
  readonly kid = 'test-key-1';
  jwksUrl = '';
  /** Requests the JWKS endpoint has served. */
  jwksRequests = 0;

  async start(): Promise<this> {
    const pair = await generateKeyPair('RS256');
    this.key = pair.privateKey;
    this.rogue = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: this.kid, alg: 'RS256', use: 'sig' };
    this.server = http.createServer((request, response) => {
      this.jwksRequests++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.jwksUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** An access token for `sub`, valid for an hour unless `claims` say otherwise; `key: 'rogue'` signs with a key the JWKS lacks. */
  async token(sub: string, claims: JWTPayload = {}, options: { key?: 'ours' | 'rogue'; kid?: string } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 3600, ...claims, sub })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? this.kid, typ: 'JWT' })
      .sign(options.key === 'rogue' ? this.rogue : this.key);
  }
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
