/**
 * Joins the writes asked for in the same turn of the event loop into one call of `write`: FerretDB runs
 * one command at a time and pays most of an insert per command, not per document, so the writes of
 * callers running side by side (the consumer's partitions, concurrent requests) cost one bulk write
 * instead of one each. Each caller gets back the failures of its own items (by their positions in its
 * items), or the error of the whole write.
 */
export class JoinedWrites<T> {
  private waiting: { items: readonly T[]; done: (failed: Map<number, Error>) => void; failed: (error: unknown) => void }[] = [];

  constructor(private readonly write: (items: readonly T[]) => Promise<Map<number, Error>>) {}

  store(items: readonly T[]): Promise<Map<number, Error>> {
    return new Promise((done, failed) => {
      // After the current turn: the other callers running side by side (a fetch's partitions, requests read together) ask in it too.
      if (this.waiting.length === 0) setImmediate(() => void this.flush());
      this.waiting.push({ items, done, failed });
    });
  }

  private async flush(): Promise<void> {
    const joined = this.waiting;
    this.waiting = [];
    try {
      const refused = await this.write(joined.flatMap(({ items }) => items));
      let start = 0;
      for (const { items, done } of joined) {
        const own = new Map<number, Error>();
        items.forEach((_, i) => refused.has(start + i) && own.set(i, refused.get(start + i) as Error));
        start += items.length;
        done(own);
      }
    } catch (error) {
      for (const { failed } of joined) failed(error);
    }
  }
}
