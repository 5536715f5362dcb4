/**
 * What one (non-admin) user may see of the log: events about themselves, the
 * changes they made, events of datasets they owned at the time, and events of
 * the datasets they may read now.
 */
export interface EventScope {
  userId: string;
  readableDatasetIds: readonly string[];
}
