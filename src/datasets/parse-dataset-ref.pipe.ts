import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { Types } from 'mongoose';
import { DatasetRef } from './datasets.service';
import { fieldError } from '../common/errors/field-error';
import { isObjectIdHex } from '../common/validation/text';

/** `:id` of the dataset routes: a 24-hex-digit id, or the dataset's registration number (`seq`). */
@Injectable()
export class ParseDatasetRefPipe implements PipeTransform<string, DatasetRef> {
  transform(value: string): DatasetRef {
    if (isObjectIdHex(value)) return { id: new Types.ObjectId(value) };
    if (/^[1-9]\d{0,14}$/.test(value)) return { seq: Number(value) };
    const message = 'id must be a 24-character hexadecimal dataset id or a positive seq number';
    throw new BadRequestException(fieldError('id', message));
  }
}
