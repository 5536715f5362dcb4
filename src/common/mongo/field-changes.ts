import { isDeepStrictEqual } from 'node:util';

/** The $set / $unset of a PATCH. */
export interface FieldChanges {
  $set: Record<string, unknown>;
  $unset: Record<string, 1>;
}

/**
 * Of `changes`, those that alter `current`. A PATCH that repeats the current
 * values changes nothing: no new revision, no `updatedAt`, no event.
 */
export function effectiveChanges(current: object, changes: FieldChanges): FieldChanges {
  const now = current as Record<string, unknown>;
  return {
    $set: Object.fromEntries(Object.entries(changes.$set).filter(([field, value]) => !isDeepStrictEqual(now[field], value))),
    $unset: Object.fromEntries(Object.entries(changes.$unset).filter(([field]) => now[field] !== undefined)),
  };
}

export function hasChanges(changes: FieldChanges): boolean {
  return Object.keys(changes.$set).length > 0 || Object.keys(changes.$unset).length > 0;
}

/**
 * The options of a write Mongoose must not stamp with `updatedAt`: one that
 * sets it itself, or bookkeeping that is no change of the entity (the
 * ownership protocol, clearing an outbox).
 */
export const KEEP_UPDATED_AT = { timestamps: false } as const;
