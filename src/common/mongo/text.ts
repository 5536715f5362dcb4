/** The case-insensitive form of a name or e-mail, kept beside it for unique indexes, search and sort. */
export function searchKey(value: string): string {
  return value.trim().toLowerCase();
}

/** A regular expression that matches `text` literally (user input never becomes a pattern). */
export function containsPattern(text: string): RegExp {
  return new RegExp(searchKey(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}
