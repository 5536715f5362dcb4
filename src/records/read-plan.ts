import type { Dataset, DatasetField } from '../datasets/dataset-shape';
import type { Aggregation } from './downsampler';
import type { PointRow } from './points';

/** What a read served: a version (number and digest) or the live points. */
export interface ServedPoints {
  version: number | 'live';
  digest?: string;
}

/** A read of points, planned by RecordsService.read and served by every export format. */
export interface ReadPlan {
  dataset: Dataset;
  /** The fields returned, in order. */
  fields: DatasetField[];
  /** Rows in time order, a bucket's worth at a time (one await per batch, not per point). */
  rows: AsyncGenerator<PointRow[]>;
  /** Set when the rows are intervals: each value is `agg` of the field's values in `[t, t + every)`. */
  downsampling?: { every: number; agg: Aggregation };
  served: ServedPoints;
}
