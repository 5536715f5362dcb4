import { IsOptional, registerDecorator, ValidationArguments } from 'class-validator';
import { IsDateTime, parseDateTime } from './date-time';

/** `createdFrom` (inclusive) / `createdTo` (exclusive) filters shared by the list routes. */
export class CreatedRangeQueryDto {
  /**
   * Only items created at or after this instant (RFC 3339).
   * @example '2026-01-01T00:00:00Z'
   */
  @IsOptional()
  @IsDateTime()
  createdFrom?: string;

  /**
   * Only items created before this instant (RFC 3339); not before `createdFrom`.
   * @example '2027-01-01T00:00:00Z'
   */
  @IsOptional()
  @IsDateTime()
  @IsNotBefore('createdFrom')
  createdTo?: string;
}

/** The property, when both are set, is not earlier than `other`. */
export function IsNotBefore(other: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotBefore',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [other],
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const start = (args.object as Record<string, unknown>)[other];
          if (typeof value !== 'string' || typeof start !== 'string') return true;
          return parseDateTime(value) >= parseDateTime(start);
        },
        defaultMessage: (args) => `${args?.property} must not be before ${other}`,
      },
    });
}

/** The MongoDB filter for a created range, or nothing when neither end is set. */
export function createdAtFilter(range: CreatedRangeQueryDto): Record<string, unknown> {
  const createdAt: Record<string, Date> = {};
  if (range.createdFrom) createdAt.$gte = new Date(parseDateTime(range.createdFrom));
  if (range.createdTo) createdAt.$lt = new Date(parseDateTime(range.createdTo));
  return Object.keys(createdAt).length > 0 ? { createdAt } : {};
}
