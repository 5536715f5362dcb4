import { completeLength, firstInvalidByte, InvalidUtf8Error, StrictUtf8Decoder } from './utf8';

describe(StrictUtf8Decoder.name, () => {
  it('decodes characters cut in two between pieces', () => {
    const bytes = Buffer.from('a€b😀c', 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new StrictUtf8Decoder();
      expect(decoder.write(bytes.subarray(0, cut)) + decoder.write(bytes.subarray(cut)) + decoder.end()).toBe('a€b😀c');
    }
  });

  it('keeps a U+FEFF as data', () => {
    expect(new StrictUtf8Decoder().write(Buffer.from('\ufeffx', 'utf8'))).toBe('\ufeffx');
  });

  it.each([
    ['a lone continuation byte', [0x61, 0x80, 0x62]],
    ['a Latin-1 é', [0x61, 0xe9, 0x62]],
    ['an overlong slash', [0x61, 0xc0, 0xaf]],
    ['a surrogate', [0x61, 0xed, 0xa0, 0x80]],
    ['beyond U+10FFFF', [0x61, 0xf4, 0x90, 0x80, 0x80]],
  ])('refuses %s, giving the text before it', (_name, bytes) => {
    const decoder = new StrictUtf8Decoder();
    let error: unknown;
    try {
      decoder.write(Buffer.from(bytes));
      decoder.end();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidUtf8Error);
    expect((error as InvalidUtf8Error).validText).toBe('a');
  });

  it('refuses a character left incomplete at the end', () => {
    const decoder = new StrictUtf8Decoder();
    expect(decoder.write(Buffer.from([0x61, 0xe2, 0x82]))).toBe('a');
    expect(() => decoder.end()).toThrow(InvalidUtf8Error);
  });

  it('finds the end of the complete characters and the first invalid byte', () => {
    expect(completeLength(Buffer.from([0x61, 0xf0, 0x9f, 0x98]))).toBe(1);
    expect(completeLength(Buffer.from('a😀', 'utf8'))).toBe(5);
    expect(firstInvalidByte(Buffer.from('ok€', 'utf8'))).toBe(5);
  });
});
