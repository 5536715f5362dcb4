import { Model } from 'mongoose';
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
