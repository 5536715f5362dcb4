import request from 'supertest';
import { newApiToken } from '../../src/tokens/token-format';
import { unique } from './unique';

/** A client of the app that sends `token` with every request. */
export type Api = ReturnType<typeof request.agent>;

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** supertest, with the bearer token set on every request it makes. */
export function authedApi(url: string, token: string): Api {
  return request.agent(url).set('Authorization', bearer(token));
}

/** A fresh registry API token for BOOTSTRAP_ADMIN_TOKEN. */
export function newAdminToken(): string {
  return newApiToken().token;
}

/** Makes a user (as admin) with a token of their own; resolves to its id and token. */
export async function createUserWithToken(
  admin: Api,
  options: { name?: string; email?: string; scopes?: string[]; datasetIds?: string[]; admin?: boolean } = {},
): Promise<{ id: string; token: string; api: (url: string) => Api }> {
  const name = unique('user');
  const user = await admin
    .post('/users')
    .send({
      name: options.name ?? name,
      email: options.email ?? `${name}@example.com`,
      ...(options.admin ? { admin: true } : {}),
    })
    .expect(201);
  const made = await admin
    .post(`/users/${user.body.id}/tokens`)
    .send({ name: 'test', scopes: options.scopes ?? ['write'], ...(options.datasetIds ? { datasetIds: options.datasetIds } : {}) })
    .expect(201);
  const token = made.body.token as string;
  return { id: user.body.id as string, token, api: (url: string) => authedApi(url, token) };
}
