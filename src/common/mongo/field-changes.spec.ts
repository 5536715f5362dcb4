import { effectiveChanges, hasChanges } from './field-changes';

describe(effectiveChanges.name, () => {
  const current = { name: 'a', tags: ['x', 'y'], fields: [{ name: 'kw', type: 'number' }], role: 'analyst' };

  it('drops what would not change the document', () => {
    const changes = effectiveChanges(current, {
      $set: { name: 'a', tags: ['x', 'y'], fields: [{ name: 'kw', type: 'number' }] },
      $unset: { organization: 1 },
    });
    expect(changes).toEqual({ $set: {}, $unset: {} });
    expect(hasChanges(changes)).toBe(false);
  });

  it('keeps what would', () => {
    const changes = effectiveChanges(current, { $set: { name: 'b', tags: ['y', 'x'] }, $unset: { role: 1 } });
    expect(changes).toEqual({ $set: { name: 'b', tags: ['y', 'x'] }, $unset: { role: 1 } });
    expect(hasChanges(changes)).toBe(true);
  });
});
