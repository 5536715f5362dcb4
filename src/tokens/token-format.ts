import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_TOKEN_PATTERN, API_TOKEN_PREFIX } from '../config/api-token-format';

/**
 * A new registry API token: `dsr_<id>_<secret>` — a recognisable prefix (secret
 * scanners can match it), a 16-hex-digit public id (listed, and used to look
 * the token up by `_id`), and 32 random bytes. Only a SHA-256 of the whole
 * token is stored: the secret is random, so a plain hash is as strong as a
 * slow one here, and it keeps verification to one lookup and one hash.
 */

export interface NewToken {
  /** The whole token, shown once. */
  token: string;
  id: string;
  hash: string;
}

export function newApiToken(): NewToken {
  const id = randomBytes(8).toString('hex');
  const token = `${API_TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { token, id, hash: hashToken(token) };
}

/** The id a token names, or undefined when the text is no registry token at all. */
export function tokenIdOf(token: string): string | undefined {
  return API_TOKEN_PATTERN.test(token) ? token.slice(API_TOKEN_PREFIX.length, API_TOKEN_PREFIX.length + 16) : undefined;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether `token` is the one whose hash is stored, in constant time. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const given = createHash('sha256').update(token).digest();
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
