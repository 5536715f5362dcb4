import { strictMock } from './strict-mock';

interface Store {
  find(id: string): string;
  remove(id: string): void;
  nested: { insert(value: string): void };
}

describe(strictMock.name, () => {
  it('answers with what it was given', () => {
    const store = strictMock<Store>('store', { find: (id: string) => `found ${id}` });
    expect(store.find('a')).toBe('found a');
  });

  it('throws on a member it was not given, naming it', () => {
    const store = strictMock<Store>('store', { find: () => 'x' });
    expect(() => store.remove('a')).toThrow('unexpected call: store.remove');
  });

  it('is strict in nested plain objects too', () => {
    const store = strictMock<Store>('store', { nested: {} as Store['nested'] });
    expect(() => store.nested.insert('a')).toThrow('unexpected call: store.nested.insert');
  });

  it('survives what jest and promises probe', async () => {
    const store = strictMock<Store>('store', { find: jest.fn() });
    expect(store).toEqual(expect.anything());
    await expect(Promise.resolve(store)).resolves.toBe(store);
    expect(() => JSON.stringify(store)).not.toThrow();
  });
});
