import { registerDecorator, ValidationOptions } from 'class-validator';

const KEY = /^[A-Za-z][\w-]{0,63}$/;
const FORBIDDEN_KEYS = new Set(['constructor', 'prototype']);

export interface FlatStringMapLimits {
  maxKeys: number;
  maxValueLength: number;
}

/**
 * A plain object of string values only: no nesting, and keys that are safe as
 * MongoDB field names and JavaScript properties (no `.`, `$` or `__proto__`:
 * keys must start with a letter and hold only letters, digits, `_` and `-`).
 */
export function IsFlatStringMap(limits: FlatStringMapLimits, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isFlatStringMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => flatStringMapProblem(value, limits) === undefined,
        defaultMessage: (args) => `${args?.property} ${flatStringMapProblem(args?.value, limits) ?? 'is invalid'}`,
      },
    });
}

function flatStringMapProblem(value: unknown, { maxKeys, maxValueLength }: FlatStringMapLimits): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object of strings';
  const entries = Object.entries(value);
  if (entries.length > maxKeys) return `must have at most ${maxKeys} keys`;
  for (const [key, item] of entries) {
    if (!KEY.test(key) || FORBIDDEN_KEYS.has(key)) {
      return `key "${key.slice(0, 70)}" is not allowed (start with a letter; letters, digits, "_" and "-" only; at most 64 characters)`;
    }
    if (typeof item !== 'string') return `value of "${key}" must be a string`;
    if (item.length > maxValueLength) return `value of "${key}" must be at most ${maxValueLength} characters`;
  }
  return undefined;
}
