import { validateSync } from 'class-validator';
import { IsFlatStringMap } from './flat-string-map.validator';

class Holder {
  @IsFlatStringMap({ maxKeys: 2, maxValueLength: 5 })
  map: unknown;
}

function problems(map: unknown): string[] {
  const holder = Object.assign(new Holder(), { map });
  return validateSync(holder).flatMap((error) => Object.values(error.constraints ?? {}));
}

describe(IsFlatStringMap.name, () => {
  it('accepts a small map of strings, multi-line values too', () => {
    expect(problems({ team: 'a', 'time-zone': 'b\t\r\n' })).toEqual([]);
  });

  it.each([
    ['nesting', { a: { b: 'c' } }, 'map value of "a" must be a string'],
    ['arrays', ['a'], 'map must be an object of strings'],
    ['dots', { 'a.b': 'x' }, 'map key "a.b" is not allowed'],
    ['operators', { $set: 'x' }, 'map key "$set" is not allowed'],
    ['prototype keys', JSON.parse('{"__proto__": "x"}'), 'map key "__proto__" is not allowed'],
    ['constructor', { constructor: 'x' }, 'map key "constructor" is not allowed'],
    ['too many keys', { a: '1', b: '2', c: '3' }, 'map must have at most 2 keys'],
    ['long values', { a: '123456' }, 'map value of "a" must be at most 5 characters'],
    ['NUL in a value', { a: 'x\u0000' }, 'map value of "a" must not contain control characters other than tab and line breaks'],
    ['escape in a value', { a: '\u001b[31m' }, 'map value of "a" must not contain control characters'],
  ])('refuses %s', (_case, map, message) => {
    expect(problems(map).join()).toContain(message);
  });
});
