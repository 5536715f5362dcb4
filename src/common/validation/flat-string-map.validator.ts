import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { registerDecorator, ValidationOptions } from 'class-validator';
import { MULTILINE_PATTERN, textProblem } from './text';

export const MAP_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';
const KEY = new RegExp(MAP_KEY_PATTERN);
const FORBIDDEN_KEYS = new Set(['constructor', 'prototype']);

export interface FlatStringMapLimits {
  maxKeys: number;
  maxValueLength: number;
}

/**
 * A flat map of strings whose keys are safe as MongoDB field names and JavaScript properties (the key
 * pattern is stated as `x-propertyNames`). The rules: docs/api.md#the-rest-api ("What a value may be").
 */
export function IsFlatStringMap(limits: FlatStringMapLimits, options?: ValidationOptions): PropertyDecorator {
  const validator: PropertyDecorator = (target, propertyName) =>
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
  return applyDecorators(
    validator,
    ApiProperty({
      type: 'object',
      maxProperties: limits.maxKeys,
      additionalProperties: { type: 'string', maxLength: limits.maxValueLength, pattern: MULTILINE_PATTERN },
      ...({ 'x-propertyNames': { pattern: MAP_KEY_PATTERN, not: { enum: [...FORBIDDEN_KEYS] } } } as object),
    }),
  );
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
    const problem = textProblem(item, { kind: 'multiline', maxLength: maxValueLength, minLength: 0 });
    if (problem) return `value of "${key}" ${problem}`;
  }
  return undefined;
}
