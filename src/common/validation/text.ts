import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ValidateBy } from 'class-validator';

/**
 * The string rules of every body and query field, each written once as a
 * pattern that is both what the validator checks and what the OpenAPI
 * document states: generated clients and fuzzers then send exactly what the
 * server accepts. The patterns are plain character classes (no \s, no
 * look-arounds) so that JavaScript and other regex engines read them alike.
 */

/**
 * C0 and C1 control characters and DEL: no business in names, labels or
 * search terms. Lone UTF-16 surrogates are refused too (LONE_SURROGATE below)
 * but are not in the documented patterns: a JSON Schema string is Unicode
 * text, which cannot hold them, and tools in other languages (schemathesis,
 * Python's re) cannot use a pattern that names surrogates.
 */
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f';
/** Controls refused even in multi-line text: all but TAB, LF and CR. */
const CONTROL_BUT_LINES = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f';
/** What String.prototype.trim removes besides the controls above. */
const SPACE = ' \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** One line, not blank, no white space at either end: a name or a label (stored exactly as sent). */
export const LABEL_PATTERN = `^[^${CONTROL}${SPACE}](?:[^${CONTROL}]*[^${CONTROL}${SPACE}])?$`;
/** One line of any text (a search term). */
export const LINE_PATTERN = `^[^${CONTROL}]*$`;
/** Free text over several lines (a description). */
export const MULTILINE_PATTERN = `^[^${CONTROL_BUT_LINES}]*$`;
/** 24 hexadecimal digits: a MongoDB ObjectId. */
export const OBJECT_ID_PATTERN = '^[0-9a-fA-F]{24}$';
const OBJECT_ID = new RegExp(OBJECT_ID_PATTERN);

/** Whether `value` is written as a MongoDB ObjectId (24 hexadecimal digits, either case). */
export function isObjectIdHex(value: string): boolean {
  return OBJECT_ID.test(value);
}
/** A plain address: local part, `@`, a domain of dot-separated labels. */
export const EMAIL_PATTERN =
  '^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$';

/** Half of a UTF-16 pair without its other half: it cannot be stored as UTF-8 and would come back as U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export type TextKind = 'label' | 'line' | 'multiline';

const PATTERNS: Record<TextKind, string> = { label: LABEL_PATTERN, line: LINE_PATTERN, multiline: MULTILINE_PATTERN };

export interface TextRule {
  kind: TextKind;
  maxLength: number;
  /** 1 unless given; labels are never empty. */
  minLength?: number;
}

/** What is wrong with `value` under `rule`, or undefined when it conforms. */
export function textProblem(value: unknown, { kind, maxLength, minLength = 1 }: TextRule): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  // Characters as the OpenAPI document's minLength/maxLength count them (JSON Schema: code points), not UTF-16 units.
  const length = value.length > maxLength || value.length < 2 * minLength ? codePoints(value) : value.length;
  if (length < minLength) return minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters`;
  if (length > maxLength) return `must be at most ${maxLength} characters`;
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text (it holds a lone surrogate)';
  if (new RegExp(PATTERNS[kind === 'label' ? 'line' : kind], 'u').test(value) === false) {
    return kind === 'multiline'
      ? 'must not contain control characters other than tab and line breaks'
      : 'must not contain control characters';
  }
  if (!new RegExp(PATTERNS[kind], 'u').test(value)) return 'must not be blank or start or end with white space';
  return undefined;
}

function codePoints(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++, count++) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one character; a lone one counts alone (and is refused below).
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return count;
}

/** A string field under one of the rules above, validated and documented from the same rule. */
export function IsText(rule: TextRule): PropertyDecorator {
  const minLength = rule.minLength ?? 1;
  return applyDecorators(
    ValidateBy({
      name: 'isText',
      constraints: [rule],
      validator: {
        validate: (value: unknown) => textProblem(value, rule) === undefined,
        defaultMessage: (args) => `${args?.property} ${textProblem(args?.value, rule) ?? 'is invalid'}`,
      },
    }),
    ApiProperty({ type: 'string', pattern: PATTERNS[rule.kind], maxLength: rule.maxLength, ...(minLength > 0 ? { minLength } : {}) }),
  );
}

/** An e-mail address (at most 254 characters, RFC 5321's limit). */
export function IsEmailAddress(): PropertyDecorator {
  return applyDecorators(
    ValidateBy({
      name: 'isEmailAddress',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length <= 254 && new RegExp(EMAIL_PATTERN).test(value),
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? `${args.property} must be an e-mail address such as name@example.com`
            : `${args?.property} must be a string`,
      },
    }),
    ApiProperty({ type: 'string', pattern: EMAIL_PATTERN, maxLength: 254 }),
  );
}

/** A 24-character hexadecimal id (ObjectId) given as a string, in bodies and query strings alike. */
export function IsObjectIdString(): PropertyDecorator {
  return applyDecorators(
    ValidateBy({
      name: 'isObjectIdString',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && new RegExp(OBJECT_ID_PATTERN).test(value),
        defaultMessage: (args) => `${args?.property} must be a 24-character hexadecimal id`,
      },
    }),
    ApiProperty({ type: 'string', pattern: OBJECT_ID_PATTERN }),
  );
}
