import { Types } from 'mongoose';
import { strictMock } from '../common/testing/strict-mock';
import { AppConfig, OidcConfig } from '../config/app-config';
import { TokensService, VerifiedToken } from '../tokens/tokens.service';
import { UserAccountsService } from '../users/user-accounts.service';
import { LiveUser, UserDirectory } from '../users/user-directory';
import { Authenticator } from './authenticator';
import { OidcVerifier, VerifiedJwt } from './oidc-verifier';

const userId = new Types.ObjectId();
const alice: LiveUser = { id: userId, name: 'Alice', email: 'alice@example.com', admin: false };
const identity = { issuer: 'https://idp/', subject: 'sub-1', email: 'alice@example.com', emailVerified: true };
const oidc: OidcConfig = {
  issuer: 'https://idp/',
  audience: 'registry',
  jwksUrl: 'https://idp/jwks',
  userClaim: 'sub',
  jitProvisioning: false,
  clockToleranceSeconds: 30,
  algorithms: ['RS256'],
};

function build(
  options: { token?: VerifiedToken; jwt?: VerifiedJwt; user?: LiveUser; oidc?: Partial<OidcConfig>; provisioned?: LiveUser } = {},
) {
  const directory = strictMock<UserDirectory>('UserDirectory', {
    findLive: jest.fn(async () => options.user),
    findLiveByIdentity: jest.fn(async () => options.user),
    findLiveByEmail: jest.fn(async () => options.user),
  });
  const accounts = strictMock<UserAccountsService>('UserAccountsService', { provision: jest.fn(async () => options.provisioned) });
  const verifier = strictMock<OidcVerifier>('OidcVerifier', {
    accepts: jest.fn((bearer: string) => bearer.startsWith('eyJ')),
    verify: jest.fn(async () => options.jwt),
  });
  const tokens = strictMock<TokensService>('TokensService', { verify: jest.fn(async () => options.token) });
  const config = { auth: { oidc: { ...oidc, ...options.oidc }, cacheMs: 60_000, selfRegistration: false } } as unknown as AppConfig;
  return { authenticator: new Authenticator(tokens, verifier, directory, accounts, config), directory, accounts };
}

describe(Authenticator.name, () => {
  it("makes an API token's grant and its user's role a principal, limits included", async () => {
    const token: VerifiedToken = { tokenId: 'abc', userId, scopes: ['read'], datasetIds: ['6650c0ffee0000000000d001'] };
    const { principal } = await build({ token, user: { ...alice, admin: true } }).authenticator.authenticate('dsr_x');
    expect(principal).toEqual({
      userId,
      admin: true,
      scopes: new Set(['read']),
      via: 'api-token',
      tokenId: 'abc',
      datasetIds: new Set(['6650c0ffee0000000000d001']),
    });
  });

  it("names nobody for an unknown token, or a deleted user's", async () => {
    expect(await build().authenticator.authenticate('dsr_x')).toEqual({});
    expect(await build({ token: { tokenId: 'abc', userId, scopes: ['write'] } }).authenticator.authenticate('dsr_x')).toEqual({});
  });

  it('finds the user of a JWT by its subject, and remembers it', async () => {
    const { authenticator, directory } = build({ jwt: { identity }, user: alice });
    const { principal } = await authenticator.authenticate('eyJ.a.b');
    expect(principal).toMatchObject({ userId, via: 'oidc', scopes: new Set(['read', 'write', 'admin']) });
    await authenticator.authenticate('eyJ.a.b');
    expect(directory.findLiveByIdentity).toHaveBeenCalledTimes(1);
  });

  it('keeps a JWT to the registry scopes it names', async () => {
    const { principal } = await build({ jwt: { identity, scopes: ['read'] }, user: alice }).authenticator.authenticate('eyJ.a.b');
    expect(principal?.scopes).toEqual(new Set(['read']));
  });

  it('provisions an unknown identity only with just-in-time provisioning on; otherwise it may only register', async () => {
    const off = build({ jwt: { identity } });
    expect(await off.authenticator.authenticate('eyJ.a.b')).toEqual({ identity });
    const on = build({ jwt: { identity }, oidc: { jitProvisioning: true }, provisioned: alice });
    expect((await on.authenticator.authenticate('eyJ.a.b')).principal?.userId).toEqual(userId);
    expect(on.accounts.provision).toHaveBeenCalledWith(identity);
  });

  it('finds no user by an unverified e-mail claim', async () => {
    const { authenticator, directory } = build({
      jwt: { identity: { ...identity, emailVerified: false } },
      user: alice,
      oidc: { userClaim: 'email' },
    });
    expect((await authenticator.authenticate('eyJ.a.b')).principal).toBeUndefined();
    expect(directory.findLiveByEmail).not.toHaveBeenCalled();
  });
});
