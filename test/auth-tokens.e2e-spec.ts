import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import request from 'supertest';
import { Api, authedApi, bearer, createUserWithToken } from './support/auth';
import { useTestApp } from './support/test-app';

const ADMIN_CLI = path.resolve(__dirname, '../dist/cli/admin.js');

/** Registry API tokens from the outside: made, used, listed without secrets, revoked, expired. */
describe('API tokens (e2e)', () => {
  // No cache: every request looks its token up, so what a test changes shows at once.
  const testApp = useTestApp({ AUTH_CACHE_SECONDS: '0' });
  let admin: Api;
  let user: { id: string; token: string };

  beforeAll(async () => {
    admin = testApp.api();
    user = await createUserWithToken(admin, { scopes: ['write'] });
  });

  const as = (token: string): Api => authedApi(testApp.url, token);
  const refusal = { statusCode: 401, error: 'Unauthorized', message: 'the bearer token is not valid' };

  it('makes a token shown once, usable at once, listed without its secret, and dead once revoked', async () => {
    const made = await as(user.token)
      .post(`/users/${user.id}/tokens`)
      .send({ name: 'training job', scopes: ['read'] })
      .expect(201);
    expect(made.body).toMatchObject({ name: 'training job', scopes: ['read'], prefix: `dsr_${made.body.id}` });
    expect(made.body.token).toMatch(/^dsr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(made.body.token.startsWith(made.body.prefix)).toBe(true);

    expect((await as(made.body.token).get('/users/me').expect(200)).body.id).toBe(user.id);

    const listed = await as(user.token).get(`/users/${user.id}/tokens`).expect(200);
    const entry = listed.body.items.find((item: { id: string }) => item.id === made.body.id);
    expect(entry).toMatchObject({ name: 'training job', scopes: ['read'], lastUsedAt: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain(made.body.token.slice(21));
    expect(Object.keys(entry).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'scopes']);

    await as(user.token).delete(`/users/${user.id}/tokens/${made.body.id}`).expect(204);
    const revoked = await as(made.body.token).get('/users/me').expect(401);
    expect(revoked.body).toEqual(refusal);
    expect(revoked.headers['www-authenticate']).toBe('Bearer realm="dataset-registry", error="invalid_token"');
    await as(user.token).delete(`/users/${user.id}/tokens/${made.body.id}`).expect(404);
  });

  it('stops a token at its expiry', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const made = await as(user.token)
      .post(`/users/${user.id}/tokens`)
      .send({ name: 'short', scopes: ['read'], expiresAt })
      .expect(201);
    await as(made.body.token).get('/users/me').expect(200);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await as(made.body.token).get('/users/me').expect(401)).body).toEqual(refusal);
  });

  it('answers the same 401 for an unknown, a forged, a malformed and a missing token, never saying which', async () => {
    const [, id] = /^dsr_([0-9a-f]{16})_/.exec(user.token) ?? [];
    const forged = `dsr_${id}_${'A'.repeat(43)}`;
    const unknown = `dsr_${'0'.repeat(16)}_${'A'.repeat(43)}`;
    for (const token of [forged, unknown, 'not-a-token', 'eyJhbGciOiJub25lIn0.e30.']) {
      expect((await as(token).get('/datasets').expect(401)).body).toEqual(refusal);
    }
    const none = await request(testApp.url).get('/datasets').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="dataset-registry"');
    expect(none.body.message).toMatch(/^authentication required/);
    await request(testApp.url).get('/datasets').set('Authorization', 'Basic dXNlcjpwYXNz').expect(401);
    await request(testApp.url)
      .get('/datasets')
      .set('Authorization', `${bearer(user.token)} extra`)
      .expect(401);
  });

  it('refuses a past expiry, scopes beyond the maker, the admin scope for a non-admin, and other users', async () => {
    const tokens = `/users/${user.id}/tokens`;
    const past = await as(user.token)
      .post(tokens)
      .send({ name: 'x', scopes: ['read'], expiresAt: '2020-01-01T00:00:00Z' })
      .expect(422);
    expect(past.body.details[0].field).toBe('expiresAt');
    expect(
      (
        await as(user.token)
          .post(tokens)
          .send({ name: 'x', scopes: ['admin'] })
          .expect(403)
      ).body.details[0].field,
    ).toBe('scopes');
    expect(
      (
        await admin
          .post(tokens)
          .send({ name: 'x', scopes: ['admin'] })
          .expect(422)
      ).body.details[0].field,
    ).toBe('scopes');

    const readOnly = (
      await as(user.token)
        .post(tokens)
        .send({ name: 'ro', scopes: ['read'] })
        .expect(201)
    ).body.token;
    await as(readOnly)
      .post(tokens)
      .send({ name: 'x', scopes: ['read'] })
      .expect(403);
    await as(readOnly).get(tokens).expect(200);

    const other = await createUserWithToken(admin);
    await as(other.token).get(tokens).expect(403);
    await as(other.token)
      .post(tokens)
      .send({ name: 'x', scopes: ['read'] })
      .expect(403);
    await admin.get(tokens).expect(200);
    await as(user.token)
      .get(`/users/${'0'.repeat(24)}/tokens`)
      .expect(404);
    await as(user.token).delete(`${tokens}/not-a-token-id`).expect(400);
  });

  it('limits a token to named datasets: the others are as good as absent', async () => {
    const owner = as(user.token);
    const seen = (
      await owner
        .post('/datasets')
        .send({ name: `seen-${Date.now()}` })
        .expect(201)
    ).body.id;
    const hidden = (
      await owner
        .post('/datasets')
        .send({ name: `hidden-${Date.now()}` })
        .expect(201)
    ).body.id;
    const limited = (
      await owner
        .post(`/users/${user.id}/tokens`)
        .send({ name: 'job', scopes: ['read'], datasetIds: [seen] })
        .expect(201)
    ).body.token;
    await as(limited).get(`/datasets/${seen}`).expect(200);
    await as(limited).get(`/datasets/${hidden}`).expect(404);
    expect((await as(limited).get('/datasets').expect(200)).body.items.map((d: { id: string }) => d.id)).toEqual([seen]);
    expect((await as(limited).get(`/users/${user.id}`).expect(200)).body.datasetIds).toEqual([seen]);
    await as(limited)
      .post(`/users/${user.id}/tokens`)
      .send({ name: 'x', scopes: ['read'] })
      .expect(403);
  });

  it('makes the first admin and their token from the command line (npm run admin)', async () => {
    const email = `cli-${Date.now()}@example.com`;
    const env = {
      PATH: process.env.PATH,
      MONGODB_URI: testApp.config.mongodb.uri,
      KAFKA_BROKERS: testApp.config.kafka.brokers.join(','),
      KAFKA_TOPIC: testApp.config.kafka.topic,
      KAFKA_GROUP_ID: testApp.config.kafka.groupId,
      LOG_LEVEL: 'error',
    };
    const made = spawnSync(process.execPath, [ADMIN_CLI, 'create-token', '--email', email, '--admin', '--scopes', 'admin'], {
      env,
      encoding: 'utf8',
    });
    expect(made.stderr).toContain('shown once');
    expect(made.status).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^dsr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect((await as(token).get('/users/me').expect(200)).body).toMatchObject({ email, admin: true });
    await as(token).delete(`/users/${user.id}/tokens/0123456789abcdef`).expect(404);

    const unknown = spawnSync(process.execPath, [ADMIN_CLI, 'create-token', '--email', `nobody-${email}`], { env, encoding: 'utf8' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe(`no user has the address nobody-${email} (pass --admin to make an admin of that address)`);
  });

  it('kills the tokens of a deleted user', async () => {
    const doomed = await createUserWithToken(admin);
    await as(doomed.token).get('/users/me').expect(200);
    await admin.delete(`/users/${doomed.id}`).expect(204);
    expect((await as(doomed.token).get('/users/me').expect(401)).body).toEqual(refusal);
  });
});
