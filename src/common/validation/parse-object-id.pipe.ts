import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { Types } from 'mongoose';
import { fieldError } from '../errors/field-error';
import { isObjectIdHex } from './text';

/** Route ids are 24-hex-digit ObjectIds; anything else is a 400 naming the parameter. */
@Injectable()
export class ParseObjectIdPipe implements PipeTransform<string, Types.ObjectId> {
  transform(value: string, { data: parameter = 'id' }: ArgumentMetadata): Types.ObjectId {
    if (!isObjectIdHex(value)) {
      const message = `${parameter} must be a 24-character hexadecimal id`;
      throw new BadRequestException(fieldError(parameter, message));
    }
    return new Types.ObjectId(value);
  }
}
