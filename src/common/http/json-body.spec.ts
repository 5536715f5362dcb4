import type { IncomingMessage } from 'node:http';
import { checkJsonDepth, MAX_JSON_DEPTH } from './json-body';

const check = (text: string): void => checkJsonDepth({} as IncomingMessage, {}, Buffer.from(text));
const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '[]' + '}'.repeat(depth - 1);

describe(checkJsonDepth.name, () => {
  it(`lets bodies up to ${MAX_JSON_DEPTH} levels through`, () => {
    expect(() => check(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => check('[{"fields": [{"name": "v"}]}, {"tags": ["a"]}]')).not.toThrow();
  });

  it('refuses one level more, however it mixes objects and arrays', () => {
    expect(() => check(nested(MAX_JSON_DEPTH + 1))).toThrow(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect(() => check('[{'.repeat(MAX_JSON_DEPTH))).toThrow();
  });

  it('counts depth, not brackets: siblings do not add up', () => {
    expect(() => check(`[${'[],'.repeat(10_000)}[]]`)).not.toThrow();
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(() => check(JSON.stringify({ name: '['.repeat(1000), quoted: `\\"${'{'.repeat(1000)}"` }))).not.toThrow();
    expect(() => check(JSON.stringify({ name: 'é€😀'.repeat(100) + '['.repeat(1000) }))).not.toThrow();
  });
});
