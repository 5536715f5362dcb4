import { IsISO8601, IsOptional, registerDecorator, ValidationArguments } from 'class-validator';

/** `createdFrom` (inclusive) / `createdTo` (exclusive) filters shared by the list routes. */
export class CreatedRangeQueryDto {
  /**
   * Only items created at or after this instant (ISO 8601).
   * @example '2026-01-01T00:00:00Z'
   */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  createdFrom?: string;

  /**
   * Only items created before this instant (ISO 8601).
   * @example '2027-01-01T00:00:00Z'
   */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
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
          return Date.parse(value) >= Date.parse(start);
        },
        defaultMessage: (args) => `${args?.property} must not be before ${other}`,
      },
    });
}

/** The MongoDB filter for a created range, or nothing when neither end is set. */
export function createdAtFilter(range: CreatedRangeQueryDto): Record<string, unknown> {
  const createdAt: Record<string, Date> = {};
  if (range.createdFrom) createdAt.$gte = new Date(range.createdFrom);
  if (range.createdTo) createdAt.$lt = new Date(range.createdTo);
  return Object.keys(createdAt).length > 0 ? { createdAt } : {};
}
