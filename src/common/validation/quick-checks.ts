/**
 * Pieces of the quick checks that spare class-validator for plainly valid input (a bulk item, a consumed event):
 * each may only say yes where the validator would.
 */

/** What @IsOptional lets through unchecked. */
export function absent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** A JSON object as parsed: no array, no class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}
