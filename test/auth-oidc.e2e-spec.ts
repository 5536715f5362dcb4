import { Api, authedApi } from './support/auth';
import { AUDIENCE, ISSUER, tampered, TestIdentityProvider, unsecuredJwt } from './support/identity-provider';
import { useTestApp } from './support/test-app';

const oidcEnv = (idp: TestIdentityProvider, extra: Record<string, string>): NodeJS.ProcessEnv => ({
  OIDC_ISSUER: ISSUER,
  OIDC_AUDIENCE: AUDIENCE,
  OIDC_JWKS_URL: idp.jwksUrl,
  OIDC_CLOCK_SKEW_SECONDS: '30',
  ...extra,
});

describe('OIDC bearer tokens (e2e)', () => {
  const idp = new TestIdentityProvider();

  beforeAll(async () => {
    await idp.start();
  });

  afterAll(async () => {
    await idp.stop();
  });

  describe('by subject, provisioned just in time', () => {
    const testApp = useTestApp(() => oidcEnv(idp, { OIDC_USER_CLAIM: 'sub', OIDC_JIT_PROVISIONING: 'true' }));
    const as = (token: string): Api => authedApi(testApp.url, token);

    it('takes a valid token, making its user on first sight and finding the same one after', async () => {
      const email = `jit-${Date.now()}@example.com`;
      const token = await idp.token('subject-1', { email, email_verified: true, name: 'Jit User' });
      const first = (await as(token).get('/users/me').expect(200)).body;
      expect(first).toMatchObject({ name: 'Jit User', email, admin: false });
      expect(
        (
          await as(await idp.token('subject-1', { email, email_verified: true }))
            .get('/users/me')
            .expect(200)
        ).body.id,
      ).toBe(first.id);
      // Registry data is theirs to write: an OIDC login holds read and write.
      await as(token).post('/datasets').send({ name: 'mine' }).expect(201);
    });

    it('tolerates a small clock skew on expiry', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await idp.token('subject-skew', { email: `skew-${now}@example.com`, email_verified: true, exp: now - 10 });
      await as(token).get('/users/me').expect(200);
    });

    const now = (): number => Math.floor(Date.now() / 1000);
    const refused: [string, () => Promise<string>][] = [
      ['expired', () => idp.token('subject-1', { exp: now() - 120, iat: now() - 3720 })],
      ['not yet valid', () => idp.token('subject-1', { nbf: now() + 300 })],
      ['of another issuer', () => idp.token('subject-1', { iss: 'https://evil.example.test/' })],
      ['for another audience', () => idp.token('subject-1', { aud: 'another-service' })],
      ['signed by another key', () => idp.token('subject-1', {}, { key: 'rogue' })],
      ['signed by another key under an unknown key id', () => idp.token('subject-1', {}, { key: 'rogue', kid: 'unknown' })],
      ['unsecured (alg: none)', () => Promise.resolve(unsecuredJwt({ iss: ISSUER, aud: AUDIENCE, sub: 'subject-1', exp: now() + 3600 }))],
      ['tampered with', async () => tampered(await idp.token('subject-1'), { sub: 'someone-else' })],
      ['without an expiry', () => idp.token('subject-1', { exp: undefined })],
    ];
    it.each(refused)('refuses a token %s with 401', async (_, make) => {
      const response = await as(await make())
        .get('/users/me')
        .expect(401);
      expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'the bearer token is not valid' });
      expect(response.headers['www-authenticate']).toBe('Bearer realm="dataset-registry", error="invalid_token"');
    });

    it('does not provision an identity without a verified e-mail', async () => {
      await as(await idp.token('no-mail'))
        .get('/users/me')
        .expect(401);
      await as(await idp.token('unverified', { email: 'unverified@example.com', email_verified: false }))
        .get('/users/me')
        .expect(401);
    });

    it('limits a token to the registry scopes it names', async () => {
      const email = `scoped-${Date.now()}@example.com`;
      const token = await idp.token('subject-scoped', { email, email_verified: true, scope: 'openid registry:read' });
      await as(token).get('/datasets').expect(200);
      await as(token).post('/datasets').send({ name: 'nope' }).expect(403);
    });
  });

  describe('by e-mail, with self-registration', () => {
    const testApp = useTestApp(() => oidcEnv(idp, { OIDC_USER_CLAIM: 'email', USERS_SELF_REGISTRATION: 'true' }));
    const as = (token: string): Api => authedApi(testApp.url, token);

    it('finds an existing user by the e-mail claim', async () => {
      const email = `known-${Date.now()}@example.com`;
      const id = (await testApp.api().post('/users').send({ name: 'Known', email }).expect(201)).body.id;
      expect(
        (
          await as(await idp.token('whatever', { email, email_verified: true }))
            .get('/users/me')
            .expect(200)
        ).body.id,
      ).toBe(id);
    });

    it('lets an identity without a user register itself with its own address, and only that', async () => {
      const email = `self-${Date.now()}@example.com`;
      const token = await idp.token('self-1', { email, email_verified: true });
      const anonymous = await as(token).get('/users/me').expect(401);
      expect(anonymous.body.message).toBe('the bearer token is not valid');
      await as(token)
        .post('/users')
        .send({ name: 'Other', email: `x-${email}` })
        .expect(403);
      await as(token).post('/users').send({ name: 'Self', email, admin: true }).expect(403);
      const created = (await as(token).post('/users').send({ name: 'Self', email }).expect(201)).body;
      expect((await as(token).get('/users/me').expect(200)).body).toMatchObject({ id: created.id, admin: false });
      await as(token)
        .post('/users')
        .send({ name: 'Again', email: `again-${email}` })
        .expect(403);
    });
  });
});
