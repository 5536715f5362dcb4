import { SentClearing } from './sent-clearing';
import { event, failOnRelayWarnings, setupRelay as setup } from '../testing/relay-fixture';

describe(SentClearing.name, () => {
  failOnRelayWarnings({ fakeTimers: true });

  it('waits while writes flow, and clears once the writers have been quiet for 2 s', async () => {
    const { relay, doc, sent, locks, sentRepository, sources } = setup();
    await relay.drain();
    const clearing = new SentClearing(locks, sentRepository, sources);
    clearing.wrote();
    await clearing.clearAll(() => clearing.due());
    expect(doc.outbox).toHaveLength(2);
    expect(sent.size).toBe(2);
    jest.setSystemTime(1_999);
    expect(clearing.due()).toBe(false);
    jest.setSystemTime(2_000);
    await clearing.clearAll(() => clearing.due());
    expect(doc.outbox).toEqual([]);
    expect(sent.size).toBe(0);
  });

  it('waits for a write under way however long it takes, then for 2 s after it ends', async () => {
    const { relay, doc, locks, sentRepository, sources } = setup();
    await relay.drain();
    const clearing = new SentClearing(locks, sentRepository, sources);
    clearing.wrote();
    await clearing.clearAll(() => clearing.due());
    clearing.writeStarted();
    jest.setSystemTime(60_000);
    expect(clearing.due()).toBe(false);
    clearing.writeEnded();
    jest.setSystemTime(61_999);
    expect(clearing.due()).toBe(false);
    jest.setSystemTime(62_000);
    await clearing.clearAll(() => clearing.due());
    expect(doc.outbox).toEqual([]);
  });

  it('clears while writes flow once more sent records wait than its bound, in batches of 64, down to the bound', async () => {
    const { relay, docs, sent, locks, sentRepository, sources, withLocks } = setup({ count: 100, events: () => [event()] });
    await relay.drain();
    const clearing = new SentClearing(locks, sentRepository, sources, 40);
    clearing.wrote();
    // 100 waiting (counted: a new lease knows nothing), 64 cleared, 36 left: within the bound.
    await clearing.clearAll(() => clearing.due());
    expect(withLocks.mock.calls.map(([keys]) => keys.length)).toEqual([64]);
    expect(sent.size).toBe(36);
    expect([...docs.values()].filter((doc) => doc.outbox.length > 0)).toHaveLength(36);
    expect(clearing.due()).toBe(false);
    // Each event recorded as sent counts: past the bound again, the clear is due though writers are busy...
    clearing.recorded(5);
    expect(clearing.due()).toBe(true);
    // ...and its read of the records corrects the count (these 5 were never stored): 36 wait, within the bound.
    await clearing.clearAll(() => clearing.due());
    expect(sent.size).toBe(36);
    expect(clearing.due()).toBe(false);
  });

  it('runs in the relay only once the writers are quiet: not right after a round that found markers', async () => {
    const { relay, doc, sent } = setup();
    relay.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(1_500);
    expect(doc.outbox).toHaveLength(2);
    expect(sent.size).toBe(2);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(doc.outbox).toEqual([]);
    expect(sent.size).toBe(0);
    await relay.onApplicationShutdown();
  });
});
