/**
 * Strict UTF-8 decoding of a body that arrives in pieces. A lenient decoder
 * (StringDecoder, Buffer#toString) turns bad bytes into U+FFFD and the
 * upload silently stores altered text; this one refuses them, and says what
 * decoded cleanly before them so the caller can name the row.
 */
export class InvalidUtf8Error extends Error {
  override readonly name = 'InvalidUtf8Error';

  constructor(
    /** The text before the first invalid byte (of what this piece added). */
    readonly validText: string,
  ) {
    super('the body is not valid UTF-8');
  }
}

export class StrictUtf8Decoder {
  // ignoreBOM: a U+FEFF is data here; callers drop a leading byte-order mark themselves.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** The bytes of a character cut in two by the end of the previous piece. */
  private carry?: Buffer;

  write(chunk: Buffer): string {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const end = completeLength(bytes);
    this.carry = end < bytes.length ? Buffer.from(bytes.subarray(end)) : undefined;
    return this.decode(bytes.subarray(0, end));
  }

  /** The body has ended: a character left incomplete is invalid. */
  end(): string {
    const rest = this.carry;
    this.carry = undefined;
    return rest ? this.decode(rest) : '';
  }

  private decode(bytes: Uint8Array): string {
    try {
      return this.decoder.decode(bytes);
    } catch {
      throw new InvalidUtf8Error(this.decoder.decode(bytes.subarray(0, firstInvalidByte(bytes))));
    }
  }
}

/** Length of `bytes` without a trailing, not yet complete character. */
export function completeLength(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
    const byte = bytes[i];
    if ((byte & 0xc0) === 0x80) continue;
    return i + sequenceLength(byte) > bytes.length ? i : bytes.length;
  }
  return bytes.length;
}

function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

/** Offset of the first byte that does not start a valid UTF-8 character (bytes.length if none). */
export function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // Second-byte ranges exclude overlong forms, surrogates and code points beyond U+10FFFF.
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    if (i + length > bytes.length || bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += length;
  }
  return bytes.length;
}
