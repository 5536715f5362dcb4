import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
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
  return applyDecorators(
    ...[...statuses, 429].map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })),
  );
}
