/** A type as it reads once serialised to JSON: dates become ISO strings, arrays and objects keep their shape. */
export type AsJson<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? AsJson<U>[]
    : T extends object
      ? { [K in keyof T]: AsJson<T[K]> }
      : T;

/**
 * `true` only when A and B are the same type, optional members included: a
 * constant of this type fails to compile once they drift apart. (Mutual
 * assignability would miss an optional member added to one side.)
 */
export type SameShape<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
