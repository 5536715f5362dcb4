import { validateItem } from '../../common/validation/validate-item';
import { quickCreateDataset } from './create-dataset-quick-check';
import { CreateDatasetDto, DatasetFieldDto } from './create-dataset.dto';

const OWNER = '6650c0ffee0000000000a001';

const valid = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'household-power',
  ownerId: OWNER,
  description: 'Minute-level power.\nCleaned.',
  tags: ['energy', 'household'],
  frequency: '1m',
  fields: [
    { name: 'value', type: 'number', unit: 'kW' },
    { name: 'ok', type: 'boolean' },
  ],
  source: 's3://raw/power.csv',
  visibility: 'internal',
  ...overrides,
});

const field = (overrides: Record<string, unknown>): Record<string, unknown> => ({ name: 'value', type: 'number', ...overrides });
const astral = (count: number): string => '😀'.repeat(count);

/** Items the DTO accepts: the shortcut must take each, giving what the validator gives. */
const ACCEPTED: unknown[] = [
  valid(),
  { name: 'x' },
  valid({ ownerId: null, description: null, tags: null, frequency: null, fields: null, source: null, visibility: null }),
  valid({ description: '' }),
  valid({ tags: [], fields: [] }),
  valid({ name: 'a'.repeat(200), source: 'b'.repeat(2048), description: 'c\td\r\n'.repeat(800) }),
  valid({ name: astral(200) }),
  valid({ tags: Array.from({ length: 32 }, (_, i) => `t${i}`) }),
  valid({ fields: Array.from({ length: 200 }, (_, i) => field({ name: `f${i}`, unit: null })) }),
  valid({ fields: [field({ name: '_x', type: 'string', unit: 'a b' })] }),
];

/** Items the DTO refuses (or may): the shortcut must leave each to the validator. */
const REFUSED: unknown[] = [
  null,
  'a string',
  [valid()],
  {},
  valid({ name: undefined }),
  valid({ name: null }),
  valid({ name: '' }),
  valid({ name: ' padded' }),
  valid({ name: 'a\u0007b' }),
  valid({ name: 'a'.repeat(201) }),
  valid({ name: astral(201) }),
  valid({ name: 'a\ud800b' }),
  valid({ name: 7 }),
  valid({ ownerId: 'not an id' }),
  valid({ ownerId: 12 }),
  valid({ description: 'a\u0000' }),
  valid({ description: 'd'.repeat(4001) }),
  valid({ tags: 'energy' }),
  valid({ tags: ['a', 'a'] }),
  valid({ tags: ['bad tag'] }),
  valid({ tags: [''] }),
  valid({ tags: [7] }),
  valid({ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }),
  valid({ frequency: '0m' }),
  valid({ frequency: '1y' }),
  valid({ frequency: 1 }),
  valid({ fields: {} }),
  valid({ fields: [null] }),
  valid({ fields: ['value'] }),
  valid({ fields: [field({}), field({})] }),
  valid({ fields: [field({ name: 'timestamp' })] }),
  valid({ fields: [field({ name: '__proto__' })] }),
  valid({ fields: [field({ name: '1abc' })] }),
  valid({ fields: [field({ type: 'date' })] }),
  valid({ fields: [field({ type: undefined })] }),
  valid({ fields: [field({ unit: ' kW' })] }),
  valid({ fields: [field({ unit: 'u'.repeat(33) })] }),
  valid({ fields: [field({ extra: 1 })] }),
  valid({ fields: [field({ constructor: 'x' })] }),
  valid({ fields: Array.from({ length: 201 }, (_, i) => field({ name: `f${i}` })) }),
  valid({ source: '' }),
  valid({ visibility: 'public' }),
  valid({ extra: true }),
  valid({ constructor: 'x' }),
  valid({ toString: 'x' }),
  JSON.parse('{"name":"x","__proto__":{"a":1}}'),
];

/** Items not plainly as the DTO wants them, whatever the validator makes of them: the shortcut leaves them to it. */
const DOUBTFUL: unknown[] = [valid({ fields: [[]] }), Object.assign(Object.create({ inherited: 1 }) as object, { name: 'x' })];

describe(quickCreateDataset.name, () => {
  it.each(ACCEPTED.map((item, i) => [i, item]))('takes accepted item %i as the validator does', async (_, item) => {
    const full = await validateItem(CreateDatasetDto, item);
    expect(full.ok).toBe(true);
    const quick = quickCreateDataset(item);
    expect(quick).toBeInstanceOf(CreateDatasetDto);
    expect(quick).toStrictEqual(full.ok ? full.value : undefined);
    for (const each of quick?.fields ?? []) expect(each).toBeInstanceOf(DatasetFieldDto);
  });

  it.each(REFUSED.map((item, i) => [i, item]))('leaves refused item %i to the validator', async (_, item) => {
    expect(quickCreateDataset(item)).toBeUndefined();
    expect((await validateItem(CreateDatasetDto, item)).ok).toBe(false);
  });

  it.each(DOUBTFUL.map((item, i) => [i, item]))('leaves doubtful item %i to the validator', (_, item) => {
    expect(quickCreateDataset(item)).toBeUndefined();
  });

  it('never takes an item the validator refuses, over random items', async () => {
    const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)];
    const texts = ['x', '', ' x', 'x ', 'a\u0085', 'é', astral(1), 'a\ud800', 'a'.repeat(33), 'a\tb', 'a\nb', null, 7, undefined];
    let taken = 0;
    for (let i = 0; i < 2000; i++) {
      const item: Record<string, unknown> = {};
      for (const key of ['ownerId', 'name', 'description', 'frequency', 'source', 'visibility', 'tags', 'fields', 'other']) {
        if (Math.random() < 0.4) continue;
        if (key === 'ownerId') item[key] = pick([OWNER, OWNER.toUpperCase(), 'x', null]);
        else if (key === 'frequency') item[key] = pick(['1m', '15s', '0s', 'm', null, 3]);
        else if (key === 'visibility') item[key] = pick(['private', 'internal', 'PRIVATE', null]);
        else if (key === 'tags') item[key] = pick([[], ['a'], ['a', 'a'], ['a b'], [pick(texts)], null, 'a']);
        else if (key === 'fields')
          item[key] = pick([
            [],
            [field({})],
            [field({ unit: pick(texts) })],
            [field({}), field({})],
            [field({ type: pick(['string', 'int']) })],
            null,
          ]);
        else if (key === 'other') item[key] = 1;
        else item[key] = pick(texts);
      }
      const quick = quickCreateDataset(item);
      if (!quick) continue;
      taken++;
      const full = await validateItem(CreateDatasetDto, item);
      expect({ item, ok: full.ok }).toEqual({ item, ok: true });
      expect(quick).toStrictEqual(full.ok ? full.value : undefined);
    }
    expect(taken).toBeGreaterThan(10);
  });
});
