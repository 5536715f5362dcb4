/**
 * The public contract of the events on `msg_collection` (key: `entityId`; at least once: drop duplicates
 * by `id`); `version` changes only for incompatible changes. See docs/events.md#events-on-msg_collection.
 */
export const EVENT_VERSION = 1;

export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'dataset.created',
  'dataset.updated',
  'dataset.transferred',
  'dataset.deleted',
  'dataset.records.appended',
  'dataset.records.deleted',
  'dataset.access.granted',
  'dataset.access.revoked',
  'dataset.trashed',
  'dataset.restored',
  'dataset.version.created',
  'dataset.version.deleted',
  'dataset.tagged',
  'dataset.untagged',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_ENTITIES = ['user', 'dataset'] as const;
export type EventEntity = (typeof EVENT_ENTITIES)[number];

/** Message headers of every event. */
export const EVENT_TYPE_HEADER = 'event-type';
export const EVENT_VERSION_HEADER = 'event-version';

export interface UserState {
  id: string;
  name: string;
  email: string;
  organization?: string;
  role?: string;
  attributes: Record<string, string>;
  /** A platform operator (absent on events from before access control: read as false). */
  admin?: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface DatasetFieldState {
  name: string;
  type: 'number' | 'string' | 'boolean';
  unit?: string;
}

export interface DatasetState {
  id: string;
  seq: number;
  ownerId: string;
  name: string;
  description?: string;
  tags: string[];
  frequency?: string;
  fields: DatasetFieldState[];
  source?: string;
  /** `private` (owner, grantees, admins) or `internal` (every authenticated user may read); absent on events from before access control: private. */
  visibility?: 'private' | 'internal';
  createdAt: string;
  updatedAt: string;
}

/** What was removed: `id` of the user or dataset (and, for a dataset, its `seq` and last owner). */
export interface Removed {
  id: string;
  seq?: number;
  ownerId?: string;
}

export interface DatasetTransfer {
  fromOwnerId: string;
  toOwnerId: string;
  dataset: DatasetState;
}

/** Counts and time range of a change to a dataset's records; never the points themselves. */
export interface RecordsChange {
  datasetId: string;
  /** Points written (appended or replaced) or deleted. */
  count: number;
  /** Inclusive range of the affected timestamps (ISO 8601), when any. */
  from?: string;
  to?: string;
}

/** A user's access to a dataset changed: `level` granted, or (revoked) none left. */
export interface AccessChange {
  datasetId: string;
  userId: string;
  /** What the user may do now: read, or read and write. Absent when revoked. */
  level?: 'read' | 'write';
}

/** A dataset moved to the trash: restorable until `purgeAt`, then purged (`dataset.deleted`). */
export interface DatasetTrashing {
  dataset: DatasetState;
  /** When it was trashed (ISO 8601). */
  trashedAt: string;
  /** When the trash janitor purges it unless it is restored first, as configured at the time (ISO 8601). */
  purgeAt: string;
}

/** A sealed version of a dataset's points, created or deleted (never the points themselves). */
export interface VersionChange {
  datasetId: string;
  /** 1, 2, 3… per dataset. */
  version: number;
  /** `sha256:<hex>` over the version's canonical encoding (docs/versions.md). */
  digest: string;
  /** Points in the version, and their first and last timestamps (ISO 8601), when any. */
  count: number;
  from?: string;
  to?: string;
  message?: string;
  /** The datasets and versions it was made from. */
  derivedFrom?: { datasetId: string; version: number }[];
  transform?: string;
}

/** A version tag set, moved (`previousVersion`) or removed (no `version`). */
export interface TagChange {
  datasetId: string;
  tag: string;
  /** The version the tag points at now; absent when removed. */
  version?: number;
  /** Where it pointed before it was moved or removed. */
  previousVersion?: number;
}

/**
 * Who made a change: a user (through an API token or an OIDC login) or the
 * registry itself (a janitor, a configured bootstrap). Absent on events from
 * before authentication existed.
 */
export type EventActor = { type: 'user'; userId: string; via: 'api-token' | 'oidc'; tokenId?: string } | { type: 'system'; name: string };

export interface EventData {
  'user.created': UserState;
  'user.updated': UserState;
  'user.deleted': Removed;
  'dataset.created': DatasetState;
  'dataset.updated': DatasetState;
  'dataset.transferred': DatasetTransfer;
  'dataset.deleted': Removed;
  'dataset.records.appended': RecordsChange;
  'dataset.records.deleted': RecordsChange;
  'dataset.access.granted': AccessChange;
  'dataset.access.revoked': AccessChange;
  'dataset.trashed': DatasetTrashing;
  'dataset.restored': DatasetState;
  'dataset.version.created': VersionChange;
  'dataset.version.deleted': VersionChange;
  'dataset.tagged': TagChange;
  'dataset.untagged': TagChange;
}

export interface RegistryEvent<T extends EventType = EventType> {
  /** Unique per event: consumers drop duplicates by it. */
  id: string;
  type: T;
  version: typeof EVENT_VERSION;
  /** When the change was committed (ISO 8601). */
  occurredAt: string;
  entity: EventEntity;
  /** The user or dataset the event is about; also the message key. */
  entityId: string;
  /** Owner of the dataset (after the change); absent on user events. */
  ownerId?: string;
  /** Who made the change (additive: absent on older events). */
  actor?: EventActor;
  /** Position of this change among the entity's changes: 1, 2, 3… */
  sequence: number;
  /** The new state, or what was removed. */
  data: EventData[T];
  /** One human-readable line, in the spirit of the original system's log. */
  meta_string: string;
}
