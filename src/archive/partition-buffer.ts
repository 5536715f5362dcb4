/** One message waiting to be archived: its NDJSON line and what decides where objects are cut. */
export interface BufferedLine {
  offset: number;
  /** UTC hour of the message timestamp (`2026-12-01T18`): objects never span two. */
  hour: string;
  timestamp: number;
  line: string;
}

/** The messages of one future object, in offset order. */
export interface Chunk {
  lines: BufferedLine[];
  bytes: number;
  /** When its first message arrived (wall clock), for the age limit. */
  openedAt: number;
}

export interface ChunkLimits {
  maxEvents: number;
  maxBytes: number;
  maxAgeMs: number;
}

/**
 * The messages of one partition that are read but not yet stored, cut into
 * chunks (one per future object) by count, size, age and hour. Kafka may hand
 * messages again (after a rebalance it resumes at the committed offset): a
 * message at or below what is buffered replaces everything from its offset on,
 * so nothing is held twice.
 */
export class PartitionBuffer {
  private readonly sealed: Chunk[] = [];
  private open?: Chunk;
  /** Messages at or below this offset are stored already (an earlier run's object): they are skipped. */
  private storedThrough = -1;

  constructor(private readonly limits: ChunkLimits) {}

  get pendingEvents(): number {
    return this.sealed.reduce((sum, chunk) => sum + chunk.lines.length, 0) + (this.open?.lines.length ?? 0);
  }

  append(line: BufferedLine, now: number): void {
    if (line.offset <= this.storedThrough) return;
    const last = this.lastOffset();
    if (last !== undefined && line.offset <= last) this.truncateFrom(line.offset);
    const open = this.open;
    const size = Buffer.byteLength(line.line);
    if (open && (open.lines[0].hour !== line.hour || open.bytes + size > this.limits.maxBytes)) this.seal();
    this.open ??= { lines: [], bytes: 0, openedAt: now };
    this.open.lines.push(line);
    this.open.bytes += size;
    if (this.open.lines.length >= this.limits.maxEvents || this.open.bytes >= this.limits.maxBytes) this.seal();
  }

  /** Seals the open chunk once its oldest message has waited `maxAgeMs` (or at once with `force`). */
  sealIfDue(now: number, force = false): void {
    if (this.open && (force || now - this.open.openedAt >= this.limits.maxAgeMs)) this.seal();
  }

  /** The next chunk to store, oldest first. */
  nextChunk(): Chunk | undefined {
    return this.sealed[0];
  }

  /** The first chunk was stored as one object. */
  stored(chunk: Chunk): void {
    if (this.sealed[0] === chunk) this.sealed.shift();
    this.storedThrough = Math.max(this.storedThrough, chunk.lines[chunk.lines.length - 1].offset);
  }

  /**
   * An object covering offsets up to `lastOffset` already exists (a run that
   * died before committing stored it): everything through it is dropped, here
   * and when Kafka hands it again.
   */
  storedElsewhere(lastOffset: number): void {
    this.storedThrough = Math.max(this.storedThrough, lastOffset);
    for (const chunk of [...this.sealed, ...(this.open ? [this.open] : [])]) {
      const kept = chunk.lines.filter((line) => line.offset > lastOffset);
      chunk.bytes -= chunk.lines.filter((line) => line.offset <= lastOffset).reduce((sum, line) => sum + Buffer.byteLength(line.line), 0);
      chunk.lines = kept;
    }
    this.dropEmpty();
  }

  private lastOffset(): number | undefined {
    const chunk = this.open ?? this.sealed[this.sealed.length - 1];
    return chunk?.lines[chunk.lines.length - 1]?.offset;
  }

  /** Forgets every buffered message at or above `offset`: Kafka is handing them again. */
  private truncateFrom(offset: number): void {
    for (const chunk of [...this.sealed, ...(this.open ? [this.open] : [])]) {
      const dropped = chunk.lines.filter((line) => line.offset >= offset);
      chunk.lines = chunk.lines.filter((line) => line.offset < offset);
      chunk.bytes -= dropped.reduce((sum, line) => sum + Buffer.byteLength(line.line), 0);
    }
    this.dropEmpty();
  }

  private dropEmpty(): void {
    for (let i = this.sealed.length - 1; i >= 0; i--) if (this.sealed[i].lines.length === 0) this.sealed.splice(i, 1);
    if (this.open?.lines.length === 0) this.open = undefined;
  }

  private seal(): void {
    if (this.open && this.open.lines.length > 0) this.sealed.push(this.open);
    this.open = undefined;
  }
}
