import type { DatasetField } from '../../datasets/dataset-shape';
import { MAX_BUCKET_BYTES, pointBytes, splitBySize } from './bucket-size';
import { PointMap, Value } from '../points';

const numbers = (count: number): DatasetField[] => Array.from({ length: count }, (_, i) => ({ name: `f${i}`, type: 'number' }));

describe(splitBySize.name, () => {
  it('keeps a window that fits in one bucket', () => {
    const points: PointMap = new Map([
      [2, [1]],
      [1, [2]],
    ]);
    expect(splitBySize(points, numbers(1))).toEqual([{ t: [1, 2], v: { f0: [2, 1] } }]);
  });

  it('splits 20,000 points of 60 numbers (about 18 MB) into runs of consecutive timestamps under the bound', () => {
    const fields = numbers(60);
    const points: PointMap = new Map();
    for (let i = 19_999; i >= 0; i--)
      points.set(
        i * 150,
        fields.map((_, f) => i + f / 100),
      );
    const parts = splitBySize(points, fields);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.flatMap((part) => part.t)).toEqual([...points.keys()].sort((a, b) => a - b));
    for (const part of parts) {
      const bytes = part.t.reduce((sum, t) => sum + pointBytes(points.get(t) as Value[]), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_BUCKET_BYTES);
    }
  });

  it('counts strings by their UTF-8 bytes', () => {
    expect(pointBytes(['é'.repeat(10)]) - pointBytes([''])).toBe(20);
    expect(pointBytes([null, true, 1])).toBeLessThan(pointBytes(['xxxxxxxxxxxxxxxx']) + 20);
  });

  it('gives a point larger than the bound a bucket of its own', () => {
    const points: PointMap = new Map([
      [1, ['a']],
      [2, ['b'.repeat(100)]],
      [3, ['c']],
    ]);
    expect(splitBySize(points, [{ name: 's', type: 'string' }], 50).map((part) => part.t)).toEqual([[1], [2], [3]]);
  });
});
