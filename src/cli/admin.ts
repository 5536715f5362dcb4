/** npm run admin -- new-token | create-token --email ADDRESS …: usage in docs/operations.md#the-command-line-tools. */
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppModule } from '../app.module';
import { Principal, SCOPES, Scope, scopesFrom } from '../access/principal';
import { ConfigError, loadConfig } from '../config/load-config';
import { newApiToken } from '../tokens/token-format';
import { TokensService } from '../tokens/tokens.service';
import { UserAccountsService } from '../users/user-accounts.service';
import { UserDirectory } from '../users/user-directory';
import { ignoreNegativeTimeoutWarnings } from '../common/process/node-warnings';

ignoreNegativeTimeoutWarnings();

async function createToken(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      name: { type: 'string', default: 'made with npm run admin' },
      scopes: { type: 'string', default: 'read,write' },
      admin: { type: 'boolean', default: false },
      expires: { type: 'string' },
    },
  });
  if (!values.email) throw new Error('--email is required');
  const scopes = values.scopes.split(',').map((scope) => scope.trim());
  const unknown = scopes.filter((scope) => !SCOPES.includes(scope as Scope));
  if (unknown.length > 0) throw new Error(`--scopes: unknown ${unknown.join(', ')} (read, write, admin)`);

  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: ['error', 'warn'] });
  try {
    await app.init();
    const user = values.admin
      ? await app
          .get(UserAccountsService)
          .ensureAdmin(values.email)
          .then((id) => app.get(UserDirectory).findLive(id))
      : await app.get(UserDirectory).findLiveByEmail(values.email);
    if (!user) throw new Error(`no user has the address ${values.email} (pass --admin to make an admin of that address)`);
    // The user acting for themselves, with whatever their role allows.
    const self: Principal = {
      userId: user.id,
      admin: user.admin,
      scopes: scopesFrom(user.admin ? ['admin'] : ['write']),
      via: 'api-token',
    };
    const made = await app
      .get(TokensService)
      .create(user.id, { name: values.name, scopes: scopes as Scope[], ...(values.expires ? { expiresAt: values.expires } : {}) }, self);
    process.stdout.write(`${made.token}\n`);
    process.stderr.write(
      `token ${made.id} for ${user.email} (${user.id.toHexString()}), scopes ${made.scopes.join(', ')}: shown once, keep it secret\n`,
    );
  } finally {
    await app.close();
  }
}

async function main([command, ...rest]: string[]): Promise<void> {
  switch (command) {
    case 'new-token':
      process.stdout.write(`${newApiToken().token}\n`);
      return;
    case 'create-token':
      return createToken(rest);
    default:
      throw new Error(
        `usage: npm run admin -- new-token | create-token --email ADDRESS [--name NAME] [--scopes read,write,admin] [--admin] [--expires RFC3339]`,
      );
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
