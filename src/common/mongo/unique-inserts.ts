import { Model, mongo } from 'mongoose';
import { duplicateKeyIndexes, isDuplicateKeyError } from './duplicate-key';

/**
 * Inserts complete documents straight through the driver — Mongoose would only
 * re-cast them, and its typings refuse string `_id`s — and reads a unique-index
 * violation as an answer, not a failure: the one write that is atomic on every
 * store we run on (FerretDB applies conditional updates as a read then a write).
 */

/** Inserts `doc`; false when a unique index already holds its key. */
export async function insertUnique<T>(model: Model<T>, doc: T): Promise<boolean> {
  try {
    await model.collection.insertOne(doc as never);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/**
 * Inserts `docs` in one unordered batch; returns the positions a unique index
 * refused. On any other failure, `undo` runs first (with no transaction to
 * roll back, it removes whatever part of the batch got in) and the error is
 * thrown.
 */
export async function insertManyUnique<T>(model: Model<T>, docs: readonly T[], undo?: () => Promise<void>): Promise<Set<number>> {
  if (docs.length === 0) return new Set();
  try {
    await model.collection.insertMany(docs as never[], { ordered: false });
    return new Set();
  } catch (error) {
    const refused = duplicateKeyIndexes(error);
    if (refused) return refused;
    await undo?.();
    throw error;
  }
}

/**
 * Inserts `docs` in one unordered batch, for writes joined from several callers (JoinedWrites): returns
 * the error of each position the store refused — a unique index's among them (isDuplicateKeyError),
 * the others still stored — so each caller fails only for its own; throws when the command failed as
 * a whole. No undo: each position's caller decides what its refusal means.
 */
export async function insertEach<T>(model: Model<T>, docs: readonly T[]): Promise<Map<number, Error>> {
  if (docs.length === 0) return new Map();
  try {
    await model.collection.insertMany(docs as never[], { ordered: false });
    return new Map();
  } catch (error) {
    const refused = refusedPositions(error);
    if (refused) return refused;
    throw error;
  }
}

/** The positions an unordered insertMany's write errors name, each as the error a lone insert of it would have thrown. */
function refusedPositions(error: unknown): Map<number, Error> | undefined {
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  if (!Array.isArray(writeErrors) || writeErrors.length === 0) return undefined;
  return new Map(
    (writeErrors as { index: number; code?: number; errmsg?: string; errInfo?: mongo.Document }[]).map(
      ({ index, code, errmsg, errInfo }) => [
        index,
        new mongo.MongoServerError({ message: errmsg ?? 'write error', errmsg, code, errInfo }),
      ],
    ),
  );
}
