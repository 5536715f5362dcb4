import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
} from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { MalformedBodyError, NotOwnerError, RecordsInputError, TooLargeError } from './record-errors';

/** The records errors as the HTTP errors they are answered with (the exception filter writes the body). */
export function asHttpError(error: unknown): unknown {
  if (error instanceof HttpException) return error;
  if (error instanceof TooLargeError) return new PayloadTooLargeException(error.message);
  if (error instanceof MalformedBodyError) return new BadRequestException(error.message);
  if (error instanceof RecordsInputError) {
    return new BadRequestException(error.details ? { message: error.message, details: error.details } : error.message);
  }
  if (error instanceof NotOwnerError) return new ForbiddenException(error.message);
  return error;
}

/** The one place records errors become HTTP errors: at the records controller's edge. */
@Injectable()
export class RecordsHttpErrors implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error: unknown) => throwError(() => asHttpError(error))));
  }
}
