import { Readable } from 'node:stream';

/** A CSV body of `count` rows made by `row(i)` (each ending with a newline), generated as it is sent: never held whole. */
export function csvBody(header: string, count: number, row: (i: number) => string): Readable {
  let i = 0;
  return new Readable({
    read() {
      let chunk = i === 0 ? `${header}\n` : '';
      for (let n = 0; n < 10_000 && i < count; n++, i++) chunk += row(i);
      this.push(chunk);
      if (i >= count) this.push(null);
    },
  });
}
