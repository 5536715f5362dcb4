import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ValidateBy } from 'class-validator';

/** RFC 3339 date-time, which is what OpenAPI's `format: date-time` means. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** Epoch milliseconds of an RFC 3339 date-time of a day that exists; NaN otherwise. */
export function parseDateTime(text: string): number {
  const match = RFC3339.exec(text);
  if (!match) return NaN;
  const [year, month, day, hour, minute, second, offsetHour = 0, offsetMinute = 0] = match.slice(1).map((part) => Number(part ?? 0));
  const monthDays = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > monthDays[month - 1]) return NaN;
  if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return NaN;
  return Date.parse(text.toUpperCase());
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** A query filter instant: RFC 3339 (`2026-01-01T00:00:00Z`), validated and documented alike. */
export function IsDateTime(): PropertyDecorator {
  return applyDecorators(
    ValidateBy({
      name: 'isDateTime',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !Number.isNaN(parseDateTime(value)),
        defaultMessage: (args) => `${args?.property} must be an RFC 3339 date-time with a zone, e.g. 2026-01-01T00:00:00Z`,
      },
    }),
    ApiProperty({ type: 'string', format: 'date-time' }),
  );
}
