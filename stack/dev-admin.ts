/**
 * `npm run start:local` signs its user in: unless BOOTSTRAP_ADMIN_TOKEN is set,
 * a development admin token is made once, kept in the stack's folder
 * (git-ignored) and handed to the service as its bootstrap admin, and printed —
 * so Swagger UI's "Authorize" works straight away.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newApiToken } from '../src/tokens/token-format';
import { StackSettings } from './settings';

export const DEV_ADMIN_EMAIL = 'admin@registry.local';

export function devAdminEnv(settings: StackSettings, env: NodeJS.ProcessEnv, log: (line: string) => void): Record<string, string> {
  if (env.BOOTSTRAP_ADMIN_TOKEN) return {};
  const file = path.join(path.dirname(settings.runDir), 'admin-token');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${newApiToken().token}\n`, { mode: 0o600 });
  }
  const token = fs.readFileSync(file, 'utf8').trim();
  log(`development admin ${env.BOOTSTRAP_ADMIN_EMAIL ?? DEV_ADMIN_EMAIL}: Authorization: Bearer ${token}  (kept in ${file})`);
  return { BOOTSTRAP_ADMIN_EMAIL: env.BOOTSTRAP_ADMIN_EMAIL ?? DEV_ADMIN_EMAIL, BOOTSTRAP_ADMIN_TOKEN: token };
}
