import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { toErrorBody } from '../../common/errors/error-body';
import { invalidRows, MalformedBodyError, RecordsInputError, TooLargeError } from './record-errors';

/** Records errors are domain errors, answered (by toErrorBody, the one mapping) with the bodies of the HTTP exceptions used before. */
describe('records errors', () => {
  const details = [{ field: 'fields', messages: ['no such field'] }];
  it.each([
    [new RecordsInputError('the body holds no points'), new BadRequestException('the body holds no points')],
    [new RecordsInputError('no such field', details), new BadRequestException({ message: 'no such field', details })],
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
    expect(JSON.stringify(toErrorBody(error))).toBe(JSON.stringify(toErrorBody(before)));
  });

  it('leaves other errors a bare 500', () => {
    expect(toErrorBody(new Error('store down')).statusCode).toBe(500);
  });
});
