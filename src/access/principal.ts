import { Types } from 'mongoose';
import type { EventActor } from '../events/contract';

/** What a credential allows. `write` includes `read`; `admin` includes both (see scopesFrom). */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Who is calling: the registry user a verified credential names, and what
 * that credential may do. Set on the request by the authentication
 * middleware; services decide per resource from it (see datasets' rules).
 */
export interface Principal {
  userId: Types.ObjectId;
  /** The user is a platform operator; it acts as one only with the `admin` scope (actsAsAdmin). */
  admin: boolean;
  scopes: ReadonlySet<Scope>;
  /** A token limited to these datasets (hex ids): others are as good as absent to it. */
  datasetIds?: ReadonlySet<string>;
  via: 'api-token' | 'oidc';
  /** The API token used, when one was. */
  tokenId?: string;
}

/** The scopes a credential holds, the implied ones included. */
export function scopesFrom(granted: readonly Scope[]): Set<Scope> {
  const scopes = new Set<Scope>(granted);
  if (scopes.has('admin')) scopes.add('write');
  if (scopes.has('write')) scopes.add('read');
  return scopes;
}

export function actsAsAdmin(principal: Principal): boolean {
  return principal.admin && principal.scopes.has('admin');
}

export function isUser(principal: Principal, userId: Types.ObjectId | string): boolean {
  return principal.userId.equals(userId);
}

/** May act on this user's own things (their profile, their tokens): themselves or an admin. */
export function mayManageUser(principal: Principal, userId: Types.ObjectId): boolean {
  return isUser(principal, userId) || actsAsAdmin(principal);
}

/** The `actor` an event carries for a change this principal made. */
export function actorOf(principal: Principal): EventActor {
  const actor: EventActor = { type: 'user', userId: principal.userId.toHexString(), via: principal.via };
  if (principal.tokenId) actor.tokenId = principal.tokenId;
  return actor;
}
