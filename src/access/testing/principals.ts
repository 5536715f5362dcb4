import { Types } from 'mongoose';
import { Principal, Scope, scopesFrom } from '../principal';

/** A caller as the authentication middleware would make it, for unit specs. */
export function principalOf(userId: Types.ObjectId, options: { admin?: boolean; scopes?: Scope[]; datasetIds?: string[] } = {}): Principal {
  const principal: Principal = {
    userId,
    admin: options.admin ?? false,
    scopes: scopesFrom(options.scopes ?? (options.admin ? ['admin'] : ['write'])),
    via: 'api-token',
    tokenId: '0123456789abcdef',
  };
  if (options.datasetIds) principal.datasetIds = new Set(options.datasetIds);
  return principal;
}

/** An admin with every scope. */
export function adminPrincipal(): Principal {
  return principalOf(new Types.ObjectId(), { admin: true });
}
