import type { DatasetField } from '../../datasets/dataset-shape';
import { Downsampler } from '../downsampler';
import type { PointRow } from '../points';

/** One interval of one field: its mean (the line) and its extremes (the band). */
export interface BandPoint {
  t: number;
  field: string;
  mean: number | null;
  min: number | null;
  max: number | null;
}

/** Each field's line and band, one interval per pixel, and whether any interval held more than one point. */
export interface ChartBandsResult {
  points: BandPoint[];
  /** More points than intervals: the band (min to max) shows what the mean line would hide, spikes included. */
  dense: boolean;
}

/**
 * Folds a records read into intervals of `everyMs` with the records'
 * Downsampler, three times over (avg, min, max): each interval closes in all
 * three at the same point, so their results stay aligned.
 */
export class ChartBands {
  private readonly mean: Downsampler;
  private readonly min: Downsampler;
  private readonly max: Downsampler;
  private readonly points: BandPoint[] = [];
  private rows = 0;
  private intervals = 0;

  constructor(
    everyMs: number,
    private readonly fields: readonly DatasetField[],
  ) {
    this.mean = new Downsampler(everyMs, 'avg', fields);
    this.min = new Downsampler(everyMs, 'min', fields);
    this.max = new Downsampler(everyMs, 'max', fields);
  }

  add(batch: readonly PointRow[]): void {
    for (const { t, values } of batch) {
      this.rows++;
      const mean = this.mean.add(t, values);
      const min = this.min.add(t, values);
      const max = this.max.add(t, values);
      if (mean && min && max) this.close(mean, min.values, max.values);
    }
  }

  finish(): ChartBandsResult {
    const mean = this.mean.flush();
    const min = this.min.flush();
    const max = this.max.flush();
    if (mean && min && max) this.close(mean, min.values, max.values);
    return { points: this.points, dense: this.rows > this.intervals };
  }

  private close(mean: PointRow, min: PointRow['values'], max: PointRow['values']): void {
    this.intervals++;
    this.fields.forEach((field, i) =>
      this.points.push({
        t: mean.t,
        field: field.name,
        mean: mean.values[i] as number | null,
        min: min[i] as number | null,
        max: max[i] as number | null,
      }),
    );
  }
}
