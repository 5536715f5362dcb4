/**
 * What other modules may know of a stored dataset: its shape, as types, and
 * the limits of its fields. The schema itself (and so the collection) stays
 * DatasetsModule's own.
 */
export type { Dataset, DatasetField, FieldType } from './schemas/dataset.schema';

/** The most fields a dataset declares. */
export const MAX_FIELDS = 200;
/** The records' time column (see the records API); no declared field may take its name. */
export const TIMESTAMP_FIELD = 'timestamp';
