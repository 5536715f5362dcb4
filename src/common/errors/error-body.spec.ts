import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { toErrorBody } from './error-body';

describe(toErrorBody.name, () => {
  it('keeps the status and message of an HTTP exception', () => {
    expect(toErrorBody(new NotFoundException('User 42 not found'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'User 42 not found',
    });
  });

  it('passes per-field details through', () => {
    const details = [{ field: 'email', messages: ['email must be an email'] }];
    expect(toErrorBody(new BadRequestException({ message: 'Validation failed', details }))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Validation failed',
      details,
    });
  });

  it('joins a list of messages into one sentence', () => {
    expect(toErrorBody(new BadRequestException(['a is bad', 'b is bad'])).message).toBe('a is bad; b is bad');
  });

  it('maps body-parser errors to their 4xx', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, expose: true, type: 'entity.too.large' });
    expect(toErrorBody(tooLarge)).toEqual(toErrorBody(new PayloadTooLargeException('Request body is too large')));
  });

  it('turns anything else into a bare 500 that leaks nothing', () => {
    const body = toErrorBody(new Error('connection string mongodb://admin:secret@db failed'));
    expect(body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' });
  });

  it('does not trust a 5xx status on a foreign error', () => {
    expect(toErrorBody(Object.assign(new Error('boom'), { status: 503, expose: true })).statusCode).toBe(500);
  });
});
