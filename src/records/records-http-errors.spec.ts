import { BadRequestException, ForbiddenException, PayloadTooLargeException } from '@nestjs/common';
import { toErrorBody } from '../common/errors/error-body';
import { invalidRows, MalformedBodyError, NotOwnerError, RecordsInputError, TooLargeError } from './record-errors';
import { asHttpError } from './records-http-errors';

/** The bodies clients get for records errors are those of the HTTP exceptions thrown before. */
describe(asHttpError.name, () => {
  const details = [{ field: 'fields', messages: ['no such field'] }];
  it.each([
    [new RecordsInputError('the body holds no points'), new BadRequestException('the body holds no points')],
    [new RecordsInputError('no such field', details), new BadRequestException({ message: 'no such field', details })],
    [new NotOwnerError('only the owner'), new ForbiddenException('only the owner')],
    [new TooLargeError('too many rows'), new PayloadTooLargeException('too many rows')],
    [new MalformedBodyError('bad CSV'), new BadRequestException('bad CSV')],
    [
      invalidRows([{ row: 2, error: 'kw must be a number' }]),
      new BadRequestException({
        message: 'invalid points, nothing was stored; first: row 2: kw must be a number',
        details: [{ field: 'row 2', messages: ['kw must be a number'] }],
      }),
    ],
  ])('answers %p as before', (error, before) => {
    expect(JSON.stringify(toErrorBody(asHttpError(error)))).toBe(JSON.stringify(toErrorBody(before)));
  });

  it('leaves other errors (500s) alone', () => {
    const error = new Error('store down');
    expect(asHttpError(error)).toBe(error);
  });
});
