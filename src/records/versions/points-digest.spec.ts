import type { DatasetField } from '../../datasets/dataset-shape';
import { PointsDigest } from './points-digest';
import type { PointRow } from '../points';

const FIELDS: DatasetField[] = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'on', type: 'boolean' },
  { name: 'note', type: 'string' },
];
const T = Date.parse('2026-11-27T00:00:00.000Z');
const ROWS: PointRow[] = [
  { t: -1, values: [null, null, ''] },
  { t: T, values: [1.5, true, 'ä'] },
  { t: T + 60_000, values: [-0, false, null] },
];

function digestOf(rows: PointRow[][], fields = FIELDS): string {
  const digest = new PointsDigest(fields);
  for (const batch of rows) digest.update(batch);
  return digest.digest();
}

describe(PointsDigest.name, () => {
  // Both vectors were computed by test/support/points_digest.py (Python, standard library) from docs/versions.md.
  it('matches the documented encoding, as an independent implementation computes it', () => {
    expect(digestOf([ROWS])).toBe('sha256:d66662f711c14dc6653434c2463503c114eea7767a2591e67a1ca382741044eb');
    expect(digestOf([])).toBe('sha256:e717b5da4861d91257a916d2400888867e0e8acc3937cc6a3dcab4fb63f272ee');
  });

  it('depends on the points, not on how they were batched; units are not points', () => {
    expect(digestOf([ROWS.slice(0, 1), [], ROWS.slice(1)])).toBe(digestOf([ROWS]));
    expect(
      digestOf(
        [ROWS],
        FIELDS.map(({ name, type }) => ({ name, type })),
      ),
    ).toBe(digestOf([ROWS]));
  });

  it('tells apart every change of a value, a type, a timestamp, a name or the order of fields', () => {
    const base = digestOf([ROWS]);
    const changed = (row: number, values: PointRow['values'], t = ROWS[row].t): string =>
      digestOf([ROWS.map((r, i) => (i === row ? { t, values } : r))]);
    expect(changed(1, [1.5000000000000002, true, 'ä'])).not.toBe(base);
    expect(changed(1, [1.5, false, 'ä'])).not.toBe(base);
    expect(changed(1, [1.5, true, 'a'])).not.toBe(base);
    expect(changed(1, [1.5, true, 'ä'], T + 1)).not.toBe(base);
    expect(changed(0, [null, null, null])).not.toBe(base); // '' is not null
    expect(changed(2, [0, false, null])).toBe(base); // -0 is encoded as 0
    expect(digestOf([ROWS], [FIELDS[0], FIELDS[1], { name: 'note2', type: 'string' }])).not.toBe(base);
    expect(
      digestOf([ROWS.map((r) => ({ t: r.t, values: [r.values[1], r.values[0], r.values[2]] }))], [FIELDS[1], FIELDS[0], FIELDS[2]]),
    ).not.toBe(base);
  });

  it('keeps strings apart by length: ["ab", "c"] is not ["a", "bc"]', () => {
    const fields: DatasetField[] = [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string' },
    ];
    expect(digestOf([[{ t: 0, values: ['ab', 'c'] }]], fields)).not.toBe(digestOf([[{ t: 0, values: ['a', 'bc'] }]], fields));
  });
});
