import { Types } from 'mongoose';

/**
 * The port through which purging a dataset removes what other modules keep
 * under its id. Records provides it (RecordsStoreModule binds it to
 * DatasetRecordsCleanup), so datasets imports nothing of records.
 */
export abstract class DatasetPurgeCleanup {
  /** Deletes everything kept under the dataset's id; called under its lock once it is a tombstone. */
  abstract dropAll(dataset: { _id: Types.ObjectId; recordSeriesId?: string }): Promise<void>;
}
