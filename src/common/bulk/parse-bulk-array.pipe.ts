import { applyDecorators, BadRequestException, Injectable, PipeTransform, Type } from '@nestjs/common';
import { ApiBody, ApiExtraModels, getSchemaPath } from '@nestjs/swagger';
import { fieldError } from '../errors/field-error';

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
  return new BadRequestException(fieldError('body', message));
}

/**
 * The body of a bulk route as the pipe takes it: 1 to MAX_BULK_ITEMS items.
 * Each is validated as `item` on its own and one that does not conform (not
 * even an object, say) is reported as rejected in the 200 response, so the
 * document promises nothing of an item beyond its description.
 */
export function ApiBulkBody(item: Type<unknown>): MethodDecorator {
  const description = `Each item is a ${item.name} (${getSchemaPath(item)}); one that does not conform is rejected on its own, with its 400 in the response. As in every JSON body, a \`__proto__\` key anywhere refuses the whole body (400).`;
  return applyDecorators(
    ApiExtraModels(item),
    ApiBody({ schema: { type: 'array', items: { description }, minItems: 1, maxItems: MAX_BULK_ITEMS } }),
  );
}
