import { TransformFnParams } from 'class-transformer';

/** Surrounding white space is never meaningful in names, e-mails and labels. */
export const trimString = ({ value }: TransformFnParams): unknown => (typeof value === 'string' ? value.trim() : value);

/** `?tags=a,b` and `?tags=a&tags=b` both become ['a', 'b']. */
export const commaSeparatedList = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;

/** Validates a property only when it is present, so that `null` is checked (and rejected) like any other value. */
export const isPresent = (_: object, value: unknown): boolean => value !== undefined;
