import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { fieldError } from '../common/errors/field-error';

/** A token's public id: the 16 hex digits after `dsr_`. */
export const TOKEN_ID_PATTERN = '^[0-9a-f]{16}$';

@Injectable()
export class ParseTokenIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!new RegExp(TOKEN_ID_PATTERN).test(value)) {
      throw new BadRequestException(
        fieldError('tokenId', 'tokenId must be 16 lower-case hexadecimal digits (the id a token is listed with)'),
      );
    }
    return value;
  }
}
