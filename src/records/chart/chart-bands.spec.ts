import type { DatasetField } from '../../datasets/dataset-shape';
import { ChartBands } from './chart-bands';

const fields: DatasetField[] = [
  { name: 'kw', type: 'number' },
  { name: 'v', type: 'number' },
];

describe(ChartBands.name, () => {
  it('keeps the mean, minimum and maximum of each field per interval', () => {
    const bands = new ChartBands(10, fields);
    bands.add([
      { t: 0, values: [1, 5] },
      { t: 3, values: [9, null] },
      { t: 7, values: [2, 7] },
    ]);
    bands.add([{ t: 12, values: [4, null] }]);
    expect(bands.finish()).toEqual({
      dense: true,
      points: [
        { t: 0, field: 'kw', mean: 4, min: 1, max: 9 },
        { t: 0, field: 'v', mean: 6, min: 5, max: 7 },
        { t: 10, field: 'kw', mean: 4, min: 4, max: 4 },
        { t: 10, field: 'v', mean: null, min: null, max: null },
      ],
    });
  });

  it('is not dense when every interval holds one point', () => {
    const bands = new ChartBands(10, fields);
    bands.add([
      { t: 0, values: [1, 2] },
      { t: 10, values: [3, 4] },
    ]);
    const result = bands.finish();
    expect(result.dense).toBe(false);
    expect(result.points.map((point) => point.t)).toEqual([0, 0, 10, 10]);
  });

  it('keeps a one-point spike among a thousand as the maximum of its interval', () => {
    const bands = new ChartBands(1000, [fields[0]]);
    bands.add(Array.from({ length: 1000 }, (_, t) => ({ t, values: [t === 500 ? 1000 : 1] })));
    expect(bands.finish().points).toEqual([{ t: 0, field: 'kw', mean: 1.999, min: 1, max: 1000 }]);
  });

  it('gives nothing for no points', () => {
    expect(new ChartBands(10, fields).finish()).toEqual({ dense: false, points: [] });
  });
});
