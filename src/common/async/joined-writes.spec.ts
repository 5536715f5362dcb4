import { JoinedWrites } from './joined-writes';

describe(JoinedWrites.name, () => {
  it('joins the writes asked for in one turn, hands each caller its own refusals, and starts afresh after', async () => {
    const write = jest.fn(
      async (items: readonly string[]) => new Map(items.flatMap((item, i) => (item.startsWith('bad') ? [[i, new Error(item)]] : []))),
    );
    const writes = new JoinedWrites(write);
    const [first, second] = await Promise.all([writes.store(['a', 'bad-b']), writes.store(['bad-c', 'd'])]);
    expect(write.mock.calls).toEqual([[['a', 'bad-b', 'bad-c', 'd']]]);
    expect([...first]).toEqual([[1, new Error('bad-b')]]);
    expect([...second]).toEqual([[0, new Error('bad-c')]]);
    await writes.store(['e']);
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('fails every joined caller when the write fails as a whole', async () => {
    const writes = new JoinedWrites(async () => Promise.reject(new Error('store down')));
    const results = await Promise.allSettled([writes.store(['a']), writes.store(['b'])]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
