let counter = 0;

/** A name no other call in this test file has made: `prefix`, the time, a counter (each file has a database of its own). */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${++counter}`;
}
