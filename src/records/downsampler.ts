import { MIN_INSTANT } from '../common/validation/instants';
import type { DatasetField } from '../datasets/dataset-shape';
import { windowStart } from './store/buckets';
import { Value } from './points';

export const AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'first', 'last'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * Folds points, in time order, into intervals of `everyMs` (aligned on the
 * epoch). `avg`, `min`, `max` and `sum` apply to numeric fields (others give
 * null) and are null for an interval without values, like SQL's; `count`
 * counts non-null values; `first`/`last` keep the first/last non-null value.
 */
export class Downsampler {
  private current?: { start: number; acc: { n: number; value: Value; sum: number }[] };

  constructor(
    private readonly everyMs: number,
    private readonly agg: Aggregation,
    private readonly fields: readonly DatasetField[],
  ) {}

  /** Adds a point; returns the interval it closed, if any. */
  add(t: number, values: readonly Value[]): { t: number; values: Value[] } | undefined {
    const start = windowStart(t, this.everyMs);
    let closed: { t: number; values: Value[] } | undefined;
    if (this.current && this.current.start !== start) closed = this.flush();
    this.current ??= { start, acc: this.fields.map(() => ({ n: 0, value: null, sum: 0 })) };
    this.fields.forEach((field, i) => this.accumulate(this.current!.acc[i], field, values[i]));
    return closed;
  }

  /** The last, still open interval. */
  flush(): { t: number; values: Value[] } | undefined {
    const current = this.current;
    this.current = undefined;
    if (!current) return undefined;
    // An interval holding points of year 0000 may begin before it, where no timestamp can be: it is shown from 0000-01-01.
    return { t: Math.max(current.start, MIN_INSTANT), values: current.acc.map((acc, i) => this.result(acc, this.fields[i])) };
  }

  private accumulate(acc: { n: number; value: Value; sum: number }, field: DatasetField, value: Value): void {
    if (value === null || value === undefined) return;
    const numeric = field.type === 'number' && typeof value === 'number';
    switch (this.agg) {
      case 'first':
        if (acc.n === 0) acc.value = value;
        break;
      case 'last':
        acc.value = value;
        break;
      case 'min':
        if (numeric && (acc.value === null || value < (acc.value as number))) acc.value = value;
        break;
      case 'max':
        if (numeric && (acc.value === null || value > (acc.value as number))) acc.value = value;
        break;
      case 'sum':
      case 'avg':
        if (numeric) acc.sum += value;
        break;
      case 'count':
        break;
    }
    acc.n++;
  }

  private result(acc: { n: number; value: Value; sum: number }, field: DatasetField): Value {
    switch (this.agg) {
      case 'count':
        return acc.n;
      case 'sum':
        return field.type === 'number' && acc.n > 0 ? acc.sum : null;
      case 'avg':
        return field.type === 'number' && acc.n > 0 ? acc.sum / acc.n : null;
      default:
        return acc.value;
    }
  }
}
