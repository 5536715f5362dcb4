/** The body is larger than allowed (bytes or rows): answered with 413. */
export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
}

/** The body as a whole cannot be read (malformed JSON or CSV): answered with 400. */
export class MalformedBodyError extends Error {
  override readonly name = 'MalformedBodyError';
}
