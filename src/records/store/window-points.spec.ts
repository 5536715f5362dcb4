import { PointMap, Value } from '../points';
import { WindowPoints } from './window-points';

/** The window's points as a map, row by row (what a PointMap given the same calls holds). */
const asMap = (window: WindowPoints): PointMap => new Map(window.t.map((t, row) => [t, window.row(row)]));

describe(WindowPoints.name, () => {
  it('appends points in time order as columns, numbers and nulls alike', () => {
    const window = new WindowPoints(2);
    expect([window.set(1, [1.5, null]), window.set(2, [2.5, 'x']), window.set(3, [3])]).toEqual([true, true, true]);
    expect(window.t).toEqual([1, 2, 3]);
    expect(window.columns).toEqual([
      [1.5, 2.5, 3],
      [null, 'x', null],
    ]);
    expect(window.range()).toEqual({ low: 1, high: 3 });
  });

  it('keeps the last value given for a timestamp, and sorts points given out of order', () => {
    const window = new WindowPoints(1);
    const calls: [number, Value[]][] = [
      [5, [50]],
      [3, [30]],
      [9, [90]],
      [5, [51]],
      [1, [10]],
      [3, [null]],
      [12, [120]],
    ];
    const expected: PointMap = new Map();
    for (const [t, values] of calls) {
      expect(window.set(t, values)).toBe(!expected.has(t));
      expected.set(t, values);
    }
    expect(window.size).toBe(expected.size);
    expect(window.range()).toEqual({ low: 1, high: 12 });
    expect(asMap(window)).toEqual(expected);
    window.sort();
    expect(window.t).toEqual([1, 3, 5, 9, 12]);
    expect(window.columns).toEqual([[10, null, 51, 90, 120]]);
    expect(window.set(4, [40])).toBe(true);
    expect(window.set(20, [200])).toBe(true);
    expect(window.sort().t).toEqual([1, 3, 4, 5, 9, 12, 20]);
    expect(window.columns).toEqual([[10, null, 40, 51, 90, 120, 200]]);
  });

  it('reads a PointMap, short value arrays as nulls', () => {
    const window = WindowPoints.from(
      new Map<number, Value[]>([
        [2, [true]],
        [1, []],
      ]),
      2,
    );
    expect(window.sort().t).toEqual([1, 2]);
    expect(window.columns).toEqual([
      [null, true],
      [null, null],
    ]);
  });
});
