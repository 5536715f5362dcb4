/**
 * What a registry API token looks like: `dsr_<id>_<secret>` (see
 * tokens/token-format.ts, which makes and checks them). Here, the lowest
 * folder, because the configuration checks BOOTSTRAP_ADMIN_TOKEN against it.
 */
export const API_TOKEN_PREFIX = 'dsr_';
export const API_TOKEN_PATTERN = /^dsr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;
