import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

export const MAX_BULK_ITEMS = 1000;

/** A bulk body is a JSON array of at most MAX_BULK_ITEMS items; each item is validated on its own later. */
@Injectable()
export class ParseBulkArrayPipe implements PipeTransform<unknown, unknown[]> {
  transform(body: unknown): unknown[] {
    if (!Array.isArray(body)) throw bodyError('body must be a JSON array');
    if (body.length === 0) throw bodyError('body must hold at least one item');
    if (body.length > MAX_BULK_ITEMS) throw bodyError(`body must hold at most ${MAX_BULK_ITEMS} items (got ${body.length})`);
    return body;
  }
}

function bodyError(message: string): BadRequestException {
  return new BadRequestException({ message, details: [{ field: 'body', messages: [message] }] });
}
