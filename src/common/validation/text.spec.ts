import { textProblem } from './text';

describe(textProblem.name, () => {
  const label = { kind: 'label', maxLength: 32 } as const;
  const astral = '\u{1F600}'; // one character, two UTF-16 units

  it('counts characters as the OpenAPI document does (code points), not UTF-16 units', () => {
    expect(textProblem(`${astral.repeat(10)}${'é'.repeat(13)}`, label)).toBeUndefined();
    expect(textProblem(astral.repeat(32), label)).toBeUndefined();
    expect(textProblem(astral.repeat(33), label)).toBe('must be at most 32 characters');
    expect(textProblem('a'.repeat(33), label)).toBe('must be at most 32 characters');
  });

  it('counts a pair as one character against minLength too, and refuses a lone surrogate', () => {
    expect(textProblem(astral, { kind: 'line', maxLength: 10, minLength: 2 })).toBe('must be at least 2 characters');
    expect(textProblem(`${astral}a`, { kind: 'line', maxLength: 10, minLength: 2 })).toBeUndefined();
    expect(textProblem('', label)).toBe('must not be empty');
    expect(textProblem('a\ud800b', label)).toBe('must be valid Unicode text (it holds a lone surrogate)');
  });
});
