/**
 * Whether a write failed on a unique index. MongoDB says so with code 11000;
 * FerretDB does for inserts, but reports a unique violation caused by an
 * update as an InternalError (code 1) naming SQLite's UNIQUE constraint.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === 11000 || code === 11001) return true;
  return code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed');
}

/** The input positions of an unordered insertMany that failed on a unique index. */
export function duplicateKeyIndexes(error: unknown): Set<number> | undefined {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  if (!Array.isArray(writeErrors)) return undefined;
  const indexes = new Set<number>();
  for (const writeError of writeErrors as { index: number; code?: number; errmsg?: string }[]) {
    if (!isDuplicateKeyError({ code: writeError.code, message: writeError.errmsg })) return undefined;
    indexes.add(writeError.index);
  }
  return indexes;
}
