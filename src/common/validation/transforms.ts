import { TransformFnParams } from 'class-transformer';

/** `?tags=a,b` and `?tags=a&tags=b` both become ['a', 'b'] (items as sent: " b" is not "b"). */
export const commaSeparatedList = ({ value }: TransformFnParams): unknown => (typeof value === 'string' ? value.split(',') : value);

/**
 * Integers in query strings are decimal digits: `Number('0x10')` would read
 * 16 and `Number(' 1e1 ')` 10. Anything else stays a string and fails @IsInt.
 */
export const decimalInteger = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value) ? Number(value) : value;

/** Validates a property only when it is present, so that `null` is checked (and rejected) like any other value. */
export const isPresent = (_: object, value: unknown): boolean => value !== undefined;

/** `true`/`false` in a query string become booleans; anything else stays a string and fails @IsBoolean. */
export const queryBoolean = ({ value }: TransformFnParams): unknown => (value === 'true' ? true : value === 'false' ? false : value);
