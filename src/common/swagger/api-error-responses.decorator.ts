import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: malformed JSON, wrong types, unknown fields or bad ids. `details` names each field.',
  403: "The caller is known but may not do this: its token's scopes do not allow it, or only the owner, a grantee or an admin may.",
  404: 'No such resource.',
  409: 'Conflicts with the current state (duplicate, or ownership in use).',
  413: 'Request body too large.',
  415: 'The body is not in a media type this route takes (JSON, unless the route says otherwise).',
  422: 'The body is well-formed but refers to something that does not exist.',
  429: 'Too many requests from this client (`RATE_LIMIT_PER_MINUTE`); retry after the seconds in `Retry-After`.',
};

/** Documents the error responses of a route, all in the one error shape; every route may also answer 429. */
export function ApiErrorResponses(...statuses: Exclude<keyof typeof DESCRIPTIONS, 429>[]): MethodDecorator {
  return applyDecorators(...[...statuses, 429].map((status) => ApiErrorResponse(status, DESCRIPTIONS[status])));
}

/** One error answer: the JSON error body, also where the route's success is CSV, Parquet or an image. */
export function ApiErrorResponse(status: number, description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } } });
}
