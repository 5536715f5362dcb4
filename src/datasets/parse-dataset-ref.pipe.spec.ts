import { BadRequestException } from '@nestjs/common';
import { Types } from 'mongoose';
import { ParseDatasetRefPipe } from './parse-dataset-ref.pipe';

describe(ParseDatasetRefPipe.name, () => {
  const pipe = new ParseDatasetRefPipe();

  it('reads an id or a seq', () => {
    const id = new Types.ObjectId();
    expect(pipe.transform(id.toHexString())).toEqual({ id });
    expect(pipe.transform('42')).toEqual({ seq: 42 });
  });

  it.each(['0', '-1', '1.5', 'abc', '1e3', '0123456789abcdef0123456', '9999999999999999'])('refuses %j', (value) => {
    expect(() => pipe.transform(value)).toThrow(BadRequestException);
  });
});
