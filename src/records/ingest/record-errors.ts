import { InvalidInputError, TooLargeError } from '../../common/errors/domain-errors';
import type { RowError } from '../points';

export { TooLargeError };

/** Row errors reported in a 400 (the first ones). */
export const REPORTED_ERRORS = 20;

/** The body as a whole cannot be read (malformed JSON or CSV): answered with 400. */
export class MalformedBodyError extends InvalidInputError {}

/** Input the records rules refuse: answered with 400, `details` listed as they are. */
export class RecordsInputError extends InvalidInputError {}

/** A body-level failure as one of the two above (a stream's own errors read as malformed input). */
export function asBodyError(error: unknown, message: string): Error {
  if (error instanceof TooLargeError || error instanceof MalformedBodyError) return error;
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new MalformedBodyError(`${message}${detail}`);
}

/** The refusal of an upload with bad rows: each row named, with what is wrong with it. */
export function invalidRows(errors: RowError[]): RecordsInputError {
  const details = errors.map(({ row, error }) => ({ field: `row ${row}`, messages: [error] }));
  const more = errors.length >= REPORTED_ERRORS ? ` (the first ${REPORTED_ERRORS} are listed)` : '';
  return new RecordsInputError(`invalid points, nothing was stored${more}; first: row ${errors[0].row}: ${errors[0].error}`, details);
}
