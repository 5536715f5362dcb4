import { ParseBulkArrayPipe } from './parse-bulk-array.pipe';

describe(ParseBulkArrayPipe.name, () => {
  const pipe = new ParseBulkArrayPipe();

  it('passes an array of 1 to 1000 items', () => {
    expect(pipe.transform([{}])).toEqual([{}]);
    expect(pipe.transform(Array(1000).fill({}))).toHaveLength(1000);
  });

  it.each([
    [{}, 'body must be a JSON array'],
    [[], 'body must hold at least one item'],
    [Array(1001).fill({}), 'body must hold at most 1000 items (got 1001)'],
  ])('refuses %#', (body, message) => {
    expect(() => pipe.transform(body)).toThrow(message);
  });
});
