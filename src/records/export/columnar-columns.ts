/** Record-batch columns filled straight into Arrow's buffers, no object per row: docs/records.md#columnar-exports-parquet-and-arrow. */
import { Bool, Data, Field, Float64, Int64, makeData, TimestampMillisecond, Utf8 } from 'apache-arrow';
import type { Value } from '../points';

export interface ColumnBuilder {
  push(value: Value): void;
  /** The column's data so far; the builder is not to be used afterwards. */
  finish(): Data;
}

/** A builder for a field column of `field.type` (Float64, Int64, Utf8 or Bool), of at most `capacity` values. */
export function columnBuilder(field: Field, capacity: number): ColumnBuilder {
  if (field.type instanceof Utf8) return new Utf8Column(field, 'string', capacity);
  if (field.type instanceof Bool) return new BoolColumn(field, 'boolean', capacity);
  if (field.type instanceof Int64) return new Int64Column(field, 'number', capacity);
  if (field.type instanceof Float64) return new Float64Column(field, 'number', capacity);
  throw new Error(`no column builder for ${String(field.type)}`);
}

/** The timestamps, never null. */
export class TimestampColumn {
  private readonly values: BigInt64Array;
  private length = 0;

  constructor(capacity: number) {
    this.values = new BigInt64Array(capacity);
  }

  push(t: number): void {
    this.values[this.length++] = BigInt(t);
  }

  finish(): Data {
    return makeData({ type: new TimestampMillisecond('UTC'), length: this.length, data: this.values.subarray(0, this.length) });
  }
}

type Nulls = { nullCount: number; nullBitmap?: Uint8Array };

abstract class Column<T extends number | string | boolean> implements ColumnBuilder {
  protected length = 0;
  private nullCount = 0;
  private readonly validity: Uint8Array;

  constructor(
    protected readonly field: Field,
    private readonly kind: 'number' | 'string' | 'boolean',
    protected readonly capacity: number,
  ) {
    this.validity = new Uint8Array((capacity + 7) >> 3);
  }

  /** A value of another type than the column's is a broken store, not something to write as null. */
  push(value: Value): void {
    if (value === null) {
      this.nullCount++;
      this.putNull();
    } else if (typeof value === this.kind) {
      this.validity[this.length >> 3] |= 1 << (this.length & 7);
      this.put(value as T);
    } else {
      throw new Error(`field ${this.field.name} holds ${JSON.stringify(value)} where a ${this.kind} belongs`);
    }
    this.length++;
  }

  finish(): Data {
    // Arrow's validity bitmap: bit i set when row i has a value; left out when nothing is null.
    const bitmap = this.validity.subarray(0, (this.length + 7) >> 3);
    return this.data(this.nullCount === 0 ? { nullCount: 0 } : { nullCount: this.nullCount, nullBitmap: bitmap });
  }

  protected putNull(): void {}
  protected abstract put(value: T): void;
  protected abstract data(nulls: Nulls): Data;
}

class Float64Column extends Column<number> {
  private readonly values = new Float64Array(this.capacity);

  protected put(value: number): void {
    this.values[this.length] = value;
  }

  protected data(nulls: Nulls): Data {
    return makeData({ type: this.field.type as Float64, length: this.length, ...nulls, data: this.values.subarray(0, this.length) });
  }
}

/** Counts: whole numbers. */
class Int64Column extends Column<number> {
  private readonly values = new BigInt64Array(this.capacity);

  protected put(value: number): void {
    this.values[this.length] = BigInt(value);
  }

  protected data(nulls: Nulls): Data {
    return makeData({ type: this.field.type as Int64, length: this.length, ...nulls, data: this.values.subarray(0, this.length) });
  }
}

/** Bit-packed, like the validity bitmap. */
class BoolColumn extends Column<boolean> {
  private readonly bits = new Uint8Array((this.capacity + 7) >> 3);

  protected put(value: boolean): void {
    if (value) this.bits[this.length >> 3] |= 1 << (this.length & 7);
  }

  protected data(nulls: Nulls): Data {
    return makeData({ type: this.field.type as Bool, length: this.length, ...nulls, data: this.bits.subarray(0, (this.length + 7) >> 3) });
  }
}

/** UTF-8 bytes one after the other, and where each value ends. */
class Utf8Column extends Column<string> {
  private readonly offsets = new Int32Array(this.capacity + 1);
  private bytes = Buffer.allocUnsafe(64 * 1024);

  protected put(value: string): void {
    const start = this.offsets[this.length];
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    if (start + 3 * value.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, start + 3 * value.length));
      this.bytes.copy(grown, 0, 0, start);
      this.bytes = grown;
    }
    this.offsets[this.length + 1] = start + this.bytes.write(value, start);
  }

  protected override putNull(): void {
    this.offsets[this.length + 1] = this.offsets[this.length];
  }

  protected data(nulls: Nulls): Data {
    const valueOffsets = this.offsets.subarray(0, this.length + 1);
    const data = this.bytes.subarray(0, valueOffsets[this.length]);
    return makeData({ type: this.field.type as Utf8, length: this.length, ...nulls, valueOffsets, data });
  }
}
