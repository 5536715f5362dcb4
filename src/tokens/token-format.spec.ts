import { hashToken, newApiToken, tokenIdOf, tokenMatches } from './token-format';

describe('token format', () => {
  it('matches a token against its own stored hash only', () => {
    const made = newApiToken();
    expect(tokenIdOf(made.token)).toBe(made.id);
    expect(made.hash).toBe(hashToken(made.token));
    expect(tokenMatches(made.token, made.hash)).toBe(true);
    expect(tokenMatches(newApiToken().token, made.hash)).toBe(false);
    expect(tokenMatches(`${made.token}x`, made.hash)).toBe(false);
    expect(tokenMatches(made.token, made.hash.slice(2))).toBe(false);
  });
});
