import { Types } from 'mongoose';
import { strictMock } from '../common/testing/strict-mock';
import { principalOf } from '../access/testing/principals';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { LiveUser, UserDirectory } from '../users/user-directory';
import { ApiToken } from './schemas/api-token.schema';
import { hashToken, newApiToken } from './token-format';
import { TokensRepository } from './tokens.repository';
import { MAX_TOKENS_PER_USER, TokensService } from './tokens.service';

const userId = new Types.ObjectId();
const liveUser = (admin = false): LiveUser => ({ id: userId, name: 'U', email: 'u@example.com', admin });

function build(options: { stored?: ApiToken[]; admin?: boolean; count?: number; cacheMs?: number } = {}) {
  const stored = new Map((options.stored ?? []).map((token) => [token._id, token]));
  const repository = strictMock<TokensRepository>('TokensRepository', {
    findById: jest.fn(async (id: string) => stored.get(id) ?? null),
    insert: jest.fn(async (token: ApiToken) => {
      stored.set(token._id, token);
      return true;
    }),
    countOf: jest.fn(async () => options.count ?? stored.size),
    remove: jest.fn(async (_user: Types.ObjectId, id: string) => stored.delete(id)),
    touch: jest.fn(async () => undefined),
  });
  const users = strictMock<UserDirectory>('UserDirectory', { findLive: jest.fn(async () => liveUser(options.admin)) });
  const config = { auth: { cacheMs: options.cacheMs ?? 60_000 } } as unknown as AppConfig;
  return { service: new TokensService(repository, users, config), repository, stored };
}

function storedToken(overrides: Partial<ApiToken> = {}): { token: string; doc: ApiToken } {
  const made = newApiToken();
  return {
    token: made.token,
    doc: { _id: made.id, userId, name: 't', hash: made.hash, scopes: ['read'], createdAt: new Date(), ...overrides },
  };
}

describe(TokensService.name, () => {
  describe('verify', () => {
    it('names the user and scopes of a live token, and notes its use at most once a minute', async () => {
      const { token, doc } = storedToken({ datasetIds: ['6650c0ffee0000000000d001'] });
      const { service, repository } = build({ stored: [doc] });
      expect(await service.verify(token)).toEqual({ tokenId: doc._id, userId, scopes: ['read'], datasetIds: ['6650c0ffee0000000000d001'] });
      await service.verify(token);
      expect(repository.touch).toHaveBeenCalledTimes(1);
      expect(repository.findById).toHaveBeenCalledTimes(1); // the second came from the cache
    });

    it('knows nothing of an unknown id, a wrong secret, an expired token or text that is no token', async () => {
      const { token, doc } = storedToken();
      const expired = storedToken({ expiresAt: new Date(Date.now() - 1000) });
      const { service } = build({ stored: [doc, expired.doc] });
      const forged = `${token.slice(0, 21)}${'A'.repeat(43)}`;
      expect(await service.verify(forged)).toBeUndefined();
      expect(await service.verify(newApiToken().token)).toBeUndefined();
      expect(await service.verify(expired.token)).toBeUndefined();
      expect(await service.verify('Bearer nonsense')).toBeUndefined();
    });

    it('lists a token used a moment ago with its use noted, though the note is written after the request', async () => {
      const { token, doc } = storedToken();
      const { service, repository, stored } = build({ stored: [doc] });
      let finishTouch = (): void => undefined;
      repository.touch.mockImplementationOnce(
        (id: string, at: Date) =>
          new Promise<void>((resolve) => {
            finishTouch = () => {
              stored.set(id, { ...stored.get(id)!, lastUsedAt: at });
              resolve();
            };
          }),
      );
      Object.assign(repository, { listOf: jest.fn(async () => [...stored.values()]) });
      await service.verify(token);
      const listing = service.list(userId, principalOf(userId));
      setTimeout(() => finishTouch(), 20);
      expect((await listing).items[0]).toHaveProperty('lastUsedAt');
    });

    it('forgets a revoked token at once, even when it was cached', async () => {
      const { token, doc } = storedToken();
      const { service } = build({ stored: [doc] });
      await service.verify(token);
      await service.revoke(userId, doc._id, principalOf(userId));
      expect(await service.verify(token)).toBeUndefined();
    });
  });

  describe('create', () => {
    it('stores only a hash and shows the secret once', async () => {
      const { service, stored } = build();
      const made = await service.create(userId, { name: 'job', scopes: ['read'] }, principalOf(userId));
      const doc = stored.get(made.id) as ApiToken;
      expect(doc.hash).toBe(hashToken(made.token));
      expect(JSON.stringify(doc)).not.toContain(made.token.slice(21));
      expect(made.token.startsWith(`dsr_${made.id}_`)).toBe(true);
    });

    it.each([
      ['another user', principalOf(new Types.ObjectId()), { scopes: ['read'] }, ForbiddenError],
      ['a scope beyond the maker', principalOf(userId, { scopes: ['read'] }), { scopes: ['write'] }, ForbiddenError],
      ['the admin scope for a non-admin', principalOf(new Types.ObjectId(), { admin: true }), { scopes: ['admin'] }, UnprocessableError],
      [
        'a maker limited to datasets',
        principalOf(userId, { datasetIds: ['6650c0ffee0000000000d001'] }),
        { scopes: ['read'] },
        ForbiddenError,
      ],
      ['an expiry in the past', principalOf(userId), { scopes: ['read'], expiresAt: '2020-01-01T00:00:00Z' }, UnprocessableError],
    ] as const)('refuses %s', async (_, principal, dto, error) => {
      const { service, repository } = build();
      await expect(service.create(userId, { name: 'x', ...dto, scopes: [...dto.scopes] }, principal)).rejects.toBeInstanceOf(error);
      expect(repository.insert).not.toHaveBeenCalled();
    });

    it(`refuses a user's token beyond ${MAX_TOKENS_PER_USER}`, async () => {
      const { service } = build({ count: MAX_TOKENS_PER_USER });
      await expect(service.create(userId, { name: 'x', scopes: ['read'] }, principalOf(userId))).rejects.toBeInstanceOf(ConflictError);
    });
  });

  it('answers 404 for a token the user does not have', async () => {
    const { service } = build();
    await expect(service.revoke(userId, '0123456789abcdef', principalOf(userId))).rejects.toBeInstanceOf(NotFoundError);
  });
});
