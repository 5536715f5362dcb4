/** The body is larger than allowed (bytes or rows): answered with 413. */
export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
}

/** The body as a whole cannot be read (malformed JSON or CSV): answered with 400. */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
}

/** A body-level failure as one of the two above (a stream's own errors read as malformed input). */
export function asBodyError(error: unknown, message: string): Error {
  if (error instanceof TooLargeError || error instanceof MalformedBodyError) return error;
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new MalformedBodyError(`${message}${detail}`);
}
