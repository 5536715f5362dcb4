/**
 * The authorization matrix, read off the OpenAPI document: every operation's
 * declared policy (`x-access`) and the shape of its path say what each kind
 * of caller must get. The e2e test (auth-matrix.e2e-spec.ts) sends each case.
 */
export const ROLES = ['anonymous', 'admin', 'owner', 'ownerReadOnly', 'other', 'granteeRead', 'granteeWrite'] as const;
export type Role = (typeof ROLES)[number];

/** What a route is about, which decides who may call it beyond its policy. */
export type RouteKind =
  | 'public'
  | 'admin'
  | 'collection-read'
  | 'collection-write'
  | 'user-read'
  | 'user-own'
  | 'user-own-read'
  | 'dataset-read'
  | 'dataset-write'
  | 'dataset-manage'
  | 'dataset-manage-read'
  | 'dataset-trash';

export interface Operation {
  method: string;
  path: string;
  policy: string;
  /** A query string that makes another operation of the same route (e.g. `permanent=true`). */
  query?: string;
}

export function routeKind({ method, path, policy, query }: Operation): RouteKind {
  if (policy === 'public') return 'public';
  if (policy === 'admin' || policy === 'register') return 'admin';
  const read = policy === 'read';
  if (path === '/datasets/{id}/restore') return 'dataset-trash';
  if (method === 'DELETE' && path === '/datasets/{id}' && query === 'permanent=true') return 'dataset-manage';
  if (path.startsWith('/datasets/{id}/access')) return read ? 'dataset-manage-read' : 'dataset-manage';
  // Deleting a version or a tag is the owner's (or an admin's); sealing and tagging any writer's.
  if (method === 'DELETE' && /^\/datasets\/\{id\}\/(versions|tags)\/\{\w+\}$/.test(path)) return 'dataset-manage';
  if (path.startsWith('/datasets/{id}')) return read ? 'dataset-read' : 'dataset-write';
  if (path.startsWith('/users/{id}/tokens')) return read ? 'user-own-read' : 'user-own';
  if (path.startsWith('/users/{id}')) return read ? 'user-read' : method === 'PATCH' ? 'user-own' : 'admin';
  return read ? 'collection-read' : 'collection-write';
}

/**
 * The expected answer class of each role: `ok` (2xx), or the refusal. The
 * path's user is the owner; the path's dataset is the owner's private dataset,
 * shared with granteeRead (read) and granteeWrite (write).
 */
const EXPECTED: Record<RouteKind, Record<Exclude<Role, 'anonymous'>, 'ok' | 403 | 404>> = {
  public: { admin: 'ok', owner: 'ok', ownerReadOnly: 'ok', other: 'ok', granteeRead: 'ok', granteeWrite: 'ok' },
  admin: { admin: 'ok', owner: 403, ownerReadOnly: 403, other: 403, granteeRead: 403, granteeWrite: 403 },
  'collection-read': { admin: 'ok', owner: 'ok', ownerReadOnly: 'ok', other: 'ok', granteeRead: 'ok', granteeWrite: 'ok' },
  'collection-write': { admin: 'ok', owner: 'ok', ownerReadOnly: 403, other: 'ok', granteeRead: 'ok', granteeWrite: 'ok' },
  'user-read': { admin: 'ok', owner: 'ok', ownerReadOnly: 'ok', other: 'ok', granteeRead: 'ok', granteeWrite: 'ok' },
  'user-own': { admin: 'ok', owner: 'ok', ownerReadOnly: 403, other: 403, granteeRead: 403, granteeWrite: 403 },
  'user-own-read': { admin: 'ok', owner: 'ok', ownerReadOnly: 'ok', other: 403, granteeRead: 403, granteeWrite: 403 },
  'dataset-read': { admin: 'ok', owner: 'ok', ownerReadOnly: 'ok', other: 404, granteeRead: 'ok', granteeWrite: 'ok' },
  'dataset-write': { admin: 'ok', owner: 'ok', ownerReadOnly: 403, other: 404, granteeRead: 403, granteeWrite: 'ok' },
  'dataset-manage': { admin: 'ok', owner: 'ok', ownerReadOnly: 403, other: 404, granteeRead: 403, granteeWrite: 403 },
  'dataset-manage-read': { admin: 'ok', owner: 'ok', ownerReadOnly: 'ok', other: 404, granteeRead: 403, granteeWrite: 403 },
  // A trashed dataset exists for its owner and admins only: grants end at the trash.
  'dataset-trash': { admin: 'ok', owner: 'ok', ownerReadOnly: 403, other: 404, granteeRead: 404, granteeWrite: 404 },
};

/**
 * Operations a query parameter makes of a route, beyond the document's one
 * per path and method: purging at once, and listing the trash (which every
 * reader may call, seeing only their own trash; see TRASH_SEEN_BY).
 */
export const QUERY_OPERATIONS: readonly Operation[] = [
  { method: 'DELETE', path: '/datasets/{id}', policy: 'write', query: 'permanent=true' },
  { method: 'GET', path: '/datasets', policy: 'read', query: 'trashed=true' },
];

/** Who finds the owner's trashed dataset in `GET /datasets?trashed=true`. */
export const TRASH_SEEN_BY: readonly Role[] = ['admin', 'owner', 'ownerReadOnly'];

export function expectedFor(kind: RouteKind, role: Role): 'ok' | 401 | 403 | 404 {
  if (role === 'anonymous') return kind === 'public' ? 'ok' : 401;
  return EXPECTED[kind][role];
}

/** Every operation of an OpenAPI document with its `x-access` (undefined when it declares none). */
export function operationsOf(document: { paths: Record<string, Record<string, { 'x-access'?: string }>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({ method: method.toUpperCase(), path, policy: operation['x-access'] as string });
    }
  }
  return operations;
}
