import type { DatasetField } from '../../datasets/dataset-shape';
import { bucketSpanMs, durationMs, fromColumns, seriesStats, summarize, toColumns, windowStart } from './buckets';
import { Downsampler } from '../downsampler';
import { PointMap } from '../points';

const fields: DatasetField[] = [
  { name: 'kw', type: 'number' },
  { name: 'on', type: 'boolean' },
];

describe('buckets', () => {
  it('sizes windows for about a thousand points at the declared frequency', () => {
    expect(durationMs('15m')).toBe(900_000);
    expect(durationMs('1.5h')).toBeUndefined();
    expect(bucketSpanMs('1s')).toBe(1_000_000);
    expect(bucketSpanMs('1ms')).toBe(1_000); // at least a second
    expect(bucketSpanMs('1d')).toBe(30 * 86_400_000); // at most 30 days
    expect(bucketSpanMs(undefined)).toBe(3_600_000);
    expect(windowStart(-1, 1000)).toBe(-1000);
  });

  it('turns points into sorted columns and back, and summarizes them', () => {
    const points: PointMap = new Map([
      [3000, [3, null]],
      [1000, [-1, true]],
      [2000, [null, false]],
    ]);
    const columns = toColumns(points, fields);
    expect(columns).toEqual({ t: [1000, 2000, 3000], v: { kw: [-1, null, 3], on: [true, false, null] } });
    expect(fromColumns(columns, [...fields, { name: 'added', type: 'string' }]).get(1000)).toEqual([-1, true, null]);
    const summary = summarize(0, 'b1', columns, fields);
    expect(summary).toEqual({
      start: 0,
      id: 'b1',
      count: 3,
      first: 1000,
      last: 3000,
      stats: { kw: { n: 2, min: -1, max: 3, sum: 2 }, on: { n: 2 } },
    });
    expect(seriesStats([summary, { ...summary, start: 5000, first: 5000, last: 9000 }], fields)).toEqual({
      count: 6,
      first: 1000,
      last: 9000,
      fields: { kw: { count: 4, min: -1, max: 3, mean: 1 }, on: { count: 4 } },
    });
  });

  it('summarizes each field as the stored series lists it: keys in order, none for what a column lacks', () => {
    const summary = summarize(0, 'b1', { t: [1, 2, 3], v: { kw: [null, -0, 2.5], on: [null, null, null] } }, fields);
    expect(Object.keys(summary.stats.kw)).toEqual(['n', 'min', 'max', 'sum']);
    expect(summary.stats.kw).toStrictEqual({ n: 2, min: -0, max: 2.5, sum: 2.5 });
    expect(summarize(0, 'b2', { t: [1], v: { kw: [null] } }, fields).stats).toStrictEqual({ kw: { n: 0 }, on: { n: 0 } });
  });

  it.each([
    ['avg', [1.5, null], [4, null]],
    ['sum', [3, null], [4, null]],
    ['min', [1, null], [4, null]],
    ['max', [2, null], [4, null]],
    ['count', [2, 1], [1, 1]],
    ['first', [1, true], [4, false]],
    ['last', [2, true], [4, false]],
  ] as const)('downsamples with %s into epoch-aligned intervals', (agg, firstInterval, secondInterval) => {
    const sampler = new Downsampler(10_000, agg, fields);
    const closed = [sampler.add(1_000, [1, true]), sampler.add(9_000, [2, null]), sampler.add(12_000, [4, false])];
    expect(closed).toEqual([undefined, undefined, { t: 0, values: firstInterval }]);
    expect(sampler.flush()).toEqual({ t: 10_000, values: secondInterval });
    expect(sampler.flush()).toBeUndefined();
  });
});
