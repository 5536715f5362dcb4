import { IsMongoId } from 'class-validator';

/** A 24-character hexadecimal id (ObjectId) given as a string, in bodies and query strings alike. */
export const IsObjectIdString = (): PropertyDecorator => IsMongoId({ message: '$property must be a 24-character hexadecimal id' });
