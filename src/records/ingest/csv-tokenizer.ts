import { NumericCell, readNumber, SPACE, TAB } from './csv-numbers';

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * A cell's text; null for an empty cell that was not quoted (`""` is the
 * empty string); NUMBER_CELL in the columns given to readNumbers when the
 * unquoted cell is a number in a plain form (csv-numbers.ts), whose value is
 * then in the record's `numbers` at the same position.
 */
export type CsvCell = string | null | typeof NUMBER_CELL;

/** Stands for a cell read as a number: the number stays unboxed in a Float64Array (no heap number per cell). */
export const NUMBER_CELL = Symbol('number cell');

/**
 * Takes each record as it completes: its `count` first cells, and the values
 * of its NUMBER_CELLs. They are valid during the call only: the arrays are
 * reused for the next record.
 */
export type CsvRecordSink = (cells: readonly CsvCell[], count: number, numbers: Float64Array) => void;

/** A cell grew past the tokenizer's bound before it ended: the body is refused without holding it all. */
export class CsvCellTooLongError extends Error {
  override readonly name = 'CsvCellTooLongError';

  constructor(
    /** Records completed before it (the header included). */
    readonly record: number,
    /** Its position in the record. */
    readonly cell: number,
  ) {
    super(`CSV cell ${cell + 1} of record ${record + 1} is too long`);
  }
}

/** A record breaks the CSV syntax; the reader names it (the tokenizer counts records, it does not know which is the header). */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';

  constructor(
    /** Records completed before it (the header included). */
    readonly record: number,
    /** What is wrong, as in "… has an unterminated quoted cell". */
    readonly problem: string,
  ) {
    super(`CSV record ${record + 1} ${problem}`);
  }
}

/**
 * A streaming RFC 4180 CSV tokenizer: an empty cell is null unless quoted. Why our own and not csv-parse:
 * docs/records.md#time-series-records (CSV).
 */
export class CsvTokenizer {
  private buffer = '';
  /** The cells of the record being read: the first `cells` (one array for every record, none to collect per row). */
  private readonly row: CsvCell[] = [];
  private cells = 0;
  /** The values of the record's NUMBER_CELLs, by position. */
  private numbers = new Float64Array(0);
  private started = false;
  private completed = 0;
  private numeric: readonly (NumericCell | undefined)[] = [];

  /** `maxCellChars`: the longest raw cell text held while waiting for its end. */
  constructor(private readonly maxCellChars = Infinity) {}

  /** Adds text; gives `sink` the records it completed. */
  push(text: string, sink: CsvRecordSink): void {
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const lineEnd = this.buffer.length > 0 ? text.indexOf('\n') + 1 : 0;
    if (lineEnd > 0 && lineEnd < text.length) {
      // The rest of a row cut between pieces goes first, alone: the piece itself is then read as it is, not copied
      // whole into one string with that rest (unless the row goes on, in a quoted cell).
      this.buffer += text.slice(0, lineEnd);
      this.drain(false, sink);
      text = text.slice(lineEnd);
    }
    this.buffer += text;
    this.drain(false, sink);
  }

  /** From now on, unquoted cells at these positions come as numbers when they are plain ones. */
  readNumbers(kinds: readonly (NumericCell | undefined)[]): void {
    this.numeric = kinds;
    this.numbers = new Float64Array(kinds.length);
  }

  /** The body has ended: gives `sink` the last record, if any. */
  end(sink: CsvRecordSink): void {
    this.drain(true, sink);
  }

  private drain(atEnd: boolean, sink: CsvRecordSink): void {
    const text = this.buffer;
    let i = 0;
    // Each turn reads one cell (and what ends it); an incomplete cell waits for more text.
    for (;;) {
      const start = i;
      while (i < text.length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
      if (i >= text.length) {
        if (atEnd && this.cells > 0) this.row[this.cells++] = null; // the body ends right after a comma (in an earlier piece)
        if (atEnd) this.endRow(sink);
        i = atEnd ? i : start;
        break;
      }
      let cell: CsvCell;
      let end: number;
      if (text.charCodeAt(i) === QUOTE) {
        const closed = closingQuote(text, i + 1, atEnd);
        if (closed < 0) {
          if (atEnd) throw new CsvSyntaxError(this.completed, 'has an unterminated quoted cell');
          i = this.waitForMore(text, start);
          break;
        }
        cell = text.slice(i + 1, closed).replace(/""/g, '"');
        end = closed + 1;
        while (end < text.length && (text.charCodeAt(end) === SPACE || text.charCodeAt(end) === TAB)) end++;
        if (end < text.length && !isCellEnd(text.charCodeAt(end))) {
          throw new CsvSyntaxError(this.completed, 'has characters after a closing quote');
        }
      } else {
        end = i;
        while (end < text.length && !isCellEnd(text.charCodeAt(end))) end++;
        const kind = this.numeric[this.cells];
        const number = kind !== undefined && readNumber(this.numbers, this.cells, text, i, end, kind);
        cell = number ? NUMBER_CELL : text.slice(i, end).trimEnd() || null;
      }
      if (end >= text.length && !atEnd) {
        i = this.waitForMore(text, start); // the cell may go on in the next piece
        break;
      }
      this.row[this.cells++] = cell;
      const ender = end < text.length ? text.charCodeAt(end) : LF;
      i = end + 1;
      if (ender === CR && text.charCodeAt(i) === LF) i++;
      if (ender !== COMMA) this.endRow(sink);
      if (i >= text.length) {
        if (atEnd && ender === COMMA) {
          this.row[this.cells++] = null;
          this.endRow(sink);
        }
        break;
      }
    }
    this.buffer = text.slice(i);
  }

  /** Keeps the unfinished cell from `start` for the next piece, unless it is already too long. */
  private waitForMore(text: string, start: number): number {
    if (text.length - start > this.maxCellChars) throw new CsvCellTooLongError(this.completed, this.cells);
    return start;
  }

  private endRow(sink: CsvRecordSink): void {
    const count = this.cells;
    this.cells = 0;
    if (count === 0 || (count === 1 && this.row[0] === null)) return; // an empty line
    this.completed++;
    sink(this.row, count, this.numbers);
  }
}

function isCellEnd(code: number): boolean {
  return code === COMMA || code === LF || code === CR;
}

/** Index of the quote that closes a quoted cell starting at `from`; -1 when more text is needed to tell. */
function closingQuote(text: string, from: number, atEnd: boolean): number {
  let i = text.indexOf('"', from);
  while (i >= 0) {
    // A quote at the very end may be the first half of `""`: only the end of the body settles it.
    if (i + 1 === text.length) return atEnd ? i : -1;
    if (text.charCodeAt(i + 1) !== QUOTE) return i;
    i = text.indexOf('"', i + 2);
  }
  return -1;
}
