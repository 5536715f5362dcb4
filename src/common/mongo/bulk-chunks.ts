/**
 * Most write statements sent in one bulk command. FerretDB 1.24 keeps each
 * update or delete statement's read cursor open until the whole command is
 * done, and each needs a second connection of its pool (100) to write: a
 * command of ~100 such statements deadlocks the database. 50 is safe there
 * and still one round trip per 50 on MongoDB.
 */
export const MAX_STATEMENTS_PER_COMMAND = 50;

/** `items` in consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size = MAX_STATEMENTS_PER_COMMAND): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
