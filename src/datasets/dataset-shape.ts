/**
 * What other modules may know of a stored dataset: its shape, as types. The
 * schema itself (and so the collection) stays DatasetsModule's own.
 */
export type { Dataset, DatasetField, FieldType } from './schemas/dataset.schema';
