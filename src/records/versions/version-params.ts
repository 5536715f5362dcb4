import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { fieldError } from '../../common/errors/field-error';
import { MAX_VERSION, TAG_NAME_MESSAGE, TAG_NAME_PATTERN } from '../api/dto/version-pin.dto';

/** 1 to MAX_VERSION (1000000000) in decimal digits. */
const VERSION_PATTERN = '^(?:[1-9][0-9]{0,8}|1000000000)$';

/** `:version` of a route: 1, 2, 3… in decimal digits; anything else is a 400 naming it. */
@Injectable()
export class ParseVersionNumberPipe implements PipeTransform<string, number> {
  transform(value: string, { data: parameter = 'version' }: ArgumentMetadata): number {
    if (!new RegExp(VERSION_PATTERN).test(value)) {
      throw new BadRequestException(fieldError(parameter, `${parameter} must be a version number: 1, 2, 3… (at most ${MAX_VERSION})`));
    }
    return Number(value);
  }
}

/** `:name` of a tag route. */
@Injectable()
export class ParseTagNamePipe implements PipeTransform<string, string> {
  transform(value: string, { data: parameter = 'name' }: ArgumentMetadata): string {
    if (!TAG_NAME_PATTERN.test(value)) throw new BadRequestException(fieldError(parameter, `${parameter} ${TAG_NAME_MESSAGE}`));
    return value;
  }
}

export const ApiVersionParam = (): MethodDecorator =>
  ApiParam({
    name: 'version',
    description: 'Version number.',
    type: String,
    schema: { type: 'string', pattern: VERSION_PATTERN, example: '1' },
  });

export const ApiTagNameParam = (): MethodDecorator =>
  ApiParam({
    name: 'name',
    description: 'Tag name.',
    type: String,
    schema: { type: 'string', pattern: TAG_NAME_PATTERN.source, example: 'train-2026-11' },
  });
