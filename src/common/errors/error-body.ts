import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  TooLargeError,
  UnauthenticatedError,
  UnavailableError,
  UnprocessableError,
} from './domain-errors';
import { ErrorResponseDto } from './error-response.dto';

/**
 * Maps anything thrown to the service's one error shape. Anything we do not
 * recognise is an internal error: a bare 500 that leaks nothing.
 */
export function toErrorBody(exception: unknown): ErrorResponseDto {
  if (exception instanceof HttpException) {
    return fromHttpException(exception);
  }
  if (exception instanceof DomainError) {
    return errorBody(domainErrorStatus(exception), exception.message, exception.details);
  }
  const clientError = asHttpClientError(exception);
  if (clientError) {
    return errorBody(clientError.status, clientError.message);
  }
  return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
}

export function errorBody(statusCode: number, message: string, details?: ErrorResponseDto['details']): ErrorResponseDto {
  const body: ErrorResponseDto = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (details !== undefined) body.details = details;
  return body;
}

/** The HTTP status of each kind of DomainError (subclasses answer as their parent); one missing here is a bug, hence a 500. */
type DomainErrorClass = abstract new (...args: never[]) => DomainError;
const DOMAIN_ERROR_STATUS = new Map<DomainErrorClass, number>([
  [InvalidInputError, HttpStatus.BAD_REQUEST],
  [UnauthenticatedError, HttpStatus.UNAUTHORIZED],
  [ForbiddenError, HttpStatus.FORBIDDEN],
  [NotFoundError, HttpStatus.NOT_FOUND],
  [ConflictError, HttpStatus.CONFLICT],
  [TooLargeError, HttpStatus.PAYLOAD_TOO_LARGE],
  [UnprocessableError, HttpStatus.UNPROCESSABLE_ENTITY],
  [UnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
]);

function domainErrorStatus(error: DomainError): number {
  for (let kind: unknown = error.constructor; kind && kind !== DomainError; kind = Object.getPrototypeOf(kind)) {
    const status = DOMAIN_ERROR_STATUS.get(kind as DomainErrorClass);
    if (status !== undefined) return status;
  }
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

function fromHttpException(exception: HttpException): ErrorResponseDto {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'string') return errorBody(statusCode, response);
  const { message, details } = response as { message?: unknown; details?: ErrorResponseDto['details'] };
  const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
  return errorBody(statusCode, text, details);
}

/** Errors from Express middleware (body-parser and friends) carry a safe 4xx status. */
function asHttpClientError(exception: unknown): { status: number; message: string } | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { status, expose, type, message } = exception as { status?: unknown; expose?: unknown; type?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || expose !== true) return undefined;
  return { status, message: BODY_PARSER_MESSAGES[String(type)] ?? String(message) };
}

const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.too.large': 'Request body is too large',
  'encoding.unsupported': 'Unsupported content encoding',
  'charset.unsupported': 'Unsupported charset',
  'request.aborted': 'Request aborted by the client',
};
