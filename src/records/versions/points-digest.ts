import { createHash, Hash } from 'node:crypto';
import type { DatasetField, FieldType } from '../../datasets/dataset-shape';
import type { PointRow } from '../points';

/** Names the encoding below; a different encoding would get a different magic line. */
const MAGIC = 'dsr-points/1\n';
const TYPE_CODES: Record<FieldType, number> = { number: 1, string: 2, boolean: 3 };
const NULL = 0x00;
const NUMBER = 0x01;
const STRING = 0x02;
const FALSE = 0x03;
const TRUE = 0x04;

/**
 * The content digest of a dataset version: SHA-256 over a canonical encoding of its field schema and
 * points, specified in docs/versions.md#the-content-digest (a client recomputes it from an export).
 */
export class PointsDigest {
  private readonly hash: Hash = createHash('sha256');
  count = 0;

  constructor(fields: readonly DatasetField[]) {
    const head: Buffer[] = [Buffer.from(MAGIC, 'utf8'), uint32(fields.length)];
    for (const field of fields) {
      const name = Buffer.from(field.name, 'utf8');
      head.push(uint32(name.length), name, Buffer.from([TYPE_CODES[field.type]]));
    }
    this.hash.update(Buffer.concat(head));
  }

  /** Adds rows, in time order after those added before (one buffer per call, sized first). */
  update(rows: readonly PointRow[]): void {
    let size = 0;
    for (const { values } of rows) {
      size += 8;
      for (const value of values)
        size += typeof value === 'string' ? 5 + Buffer.byteLength(value, 'utf8') : typeof value === 'number' ? 9 : 1;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const { t, values } of rows) {
      at = out.writeBigInt64BE(BigInt(t), at);
      for (const value of values) {
        if (value === null || value === undefined) out[at++] = NULL;
        else if (typeof value === 'boolean') out[at++] = value ? TRUE : FALSE;
        else if (typeof value === 'number') {
          out[at++] = NUMBER;
          at = out.writeDoubleBE(value === 0 ? 0 : value, at);
        } else {
          out[at++] = STRING;
          const length = out.write(value, at + 4, 'utf8');
          out.writeUInt32BE(length, at);
          at += 4 + length;
        }
      }
    }
    this.count += rows.length;
    this.hash.update(out);
  }

  /** `sha256:<64 hex digits>`; ends the digest. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

function uint32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value);
  return out;
}
