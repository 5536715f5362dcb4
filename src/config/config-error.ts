/** A setting is missing or wrong: main.ts prints the message (one line) and exits. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
