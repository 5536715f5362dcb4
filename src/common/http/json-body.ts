import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';

/**
 * How JSON request bodies are read: parsed up front with a size limit, except
 * records uploads, which their controller streams.
 */
export function jsonBodyParserOptions(limit: string): { limit: string; reviver: typeof rejectPrototypeKeys; type: typeof isBufferedJson } {
  return { limit, reviver: rejectPrototypeKeys, type: isBufferedJson };
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
  if (type !== 'entity.parse.failed') {
    next(error);
    return;
  }
  if (error instanceof ForbiddenKeyError) {
    next(new BadRequestException(error.message));
  } else if (typeof body === 'string' && !/^\s*[[{]/.test(body)) {
    next(new BadRequestException('the JSON body must be an object (or an array, for bulk routes)'));
  } else {
    next(new BadRequestException(`Malformed JSON in request body: ${String(message)}`));
  }
}
