import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { fieldError } from '../errors/field-error';

/**
 * How deep a JSON body may nest. Ours nest 4 levels at most (a bulk array of
 * datasets with their fields); far deeper bodies only serve to exhaust the
 * stack of whatever walks them recursively after parsing.
 */
export const MAX_JSON_DEPTH = 32;

// Nest's parameter type omits `verify` only because its rawBody option would replace it (we use none);
// a type alias, unlike an interface, still fits that type's index signature.
type JsonBodyParserOptions = {
  limit: string;
  reviver: typeof rejectPrototypeKeys;
  type: typeof isBufferedJson;
  verify: typeof checkJsonDepth;
};

/**
 * How JSON request bodies are read: parsed up front with a size limit, except
 * records uploads, which their controller streams.
 */
export function jsonBodyParserOptions(limit: string): JsonBodyParserOptions {
  return { limit, reviver: rejectPrototypeKeys, type: isBufferedJson, verify: checkJsonDepth };
}

const RECORDS_UPLOAD = /^\/datasets\/[^/]+\/records(\?|$)/;

function mediaType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function isBufferedJson(request: IncomingMessage): boolean {
  return mediaType(request) === 'application/json' && !RECORDS_UPLOAD.test(request.url ?? '');
}

/** JSON.parse keeps `__proto__` as an own key; no body of ours has one, so it is refused outright (400). */
class ForbiddenKeyError extends SyntaxError {}

function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new ForbiddenKeyError('"__proto__" is not allowed as a key in a JSON body');
  return value;
}

class TooDeepError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }

/**
 * Run by body-parser on the raw bytes before JSON.parse: one pass counting
 * brackets outside strings (UTF-8 continuation bytes never look like ASCII).
 */
export function checkJsonDepth(_request: IncomingMessage, _response: unknown, body: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPENERS.has(byte)) {
      if (++depth > MAX_JSON_DEPTH) throw new TooDeepError(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (CLOSERS.has(byte)) {
      depth--;
    }
  }
}

/**
 * Every route but records uploads takes JSON. Without this a form or text
 * body would reach validation as an empty object and be answered with
 * "name is required", which hides the real mistake.
 */
export function requireJsonBodies(request: Request, _response: Response, next: NextFunction): void {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !RECORDS_UPLOAD.test(request.url) && mediaType(request) !== 'application/json') {
    next(new UnsupportedMediaTypeException('the request body must be JSON, sent with Content-Type: application/json'));
    return;
  }
  next();
}

/**
 * body-parser's messages come from JSON.parse, and in strict mode it says
 * "Unexpected token 'n'" for a body of `null`; say what is wrong instead.
 */
export function explainJsonErrors(error: unknown, _request: Request, _response: Response, next: NextFunction): void {
  const { type, body, message } = (error ?? {}) as { type?: unknown; body?: unknown; message?: unknown };
  // body-parser answers a verify failure with 403; too deep is a malformed request.
  if (type === 'entity.verify.failed' && error instanceof TooDeepError) {
    next(new BadRequestException(error.message));
    return;
  }
  if (type !== 'entity.parse.failed') {
    next(error);
    return;
  }
  if (error instanceof ForbiddenKeyError) {
    next(new BadRequestException(fieldError('__proto__', error.message)));
  } else if (typeof body === 'string' && !/^\s*[[{]/.test(body)) {
    next(new BadRequestException('the JSON body must be an object (or an array, for bulk routes)'));
  } else {
    next(new BadRequestException(`Malformed JSON in request body: ${String(message)}`));
  }
}
