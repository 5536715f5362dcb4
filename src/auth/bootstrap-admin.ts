import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TokensService } from '../tokens/tokens.service';
import { UserAccountsService } from '../users/user-accounts.service';

/**
 * The first admin, from configuration: BOOTSTRAP_ADMIN_EMAIL names a user who
 * is made an admin (and created if missing), and BOOTSTRAP_ADMIN_TOKEN, if
 * given, is registered as an API token of theirs with every scope. Idempotent,
 * so every instance does it at every start. (`npm run admin` is the other way.)
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    private readonly config: AppConfig,
    private readonly accounts: UserAccountsService,
    private readonly tokens: TokensService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const bootstrap = this.config.auth.bootstrapAdmin;
    if (!bootstrap) return;
    const userId = await this.accounts.ensureAdmin(bootstrap.email);
    if (bootstrap.token) await this.tokens.ensureToken(userId, bootstrap.token, 'bootstrap (BOOTSTRAP_ADMIN_TOKEN)');
    this.logger.log({ userId: userId.toHexString() }, `bootstrap admin ${bootstrap.email} is ready`);
  }
}
