import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { UnauthenticatedError } from './domain-errors';
import { toErrorBody } from './error-body';

/** The one exception filter: every HTTP error and every failed Kafka handler goes through it. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    const body = toErrorBody(exception);
    if (body.statusCode >= Number(HttpStatus.INTERNAL_SERVER_ERROR)) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (host.getType() === 'http') {
      const response = host.switchToHttp().getResponse<Response>();
      if (response.headersSent) return;
      // RFC 6750: a 401 names the scheme, and says whether a token was sent but refused.
      if (body.statusCode === 401) response.setHeader('WWW-Authenticate', wwwAuthenticate(exception));
      response.status(body.statusCode).json(body);
      return;
    }
    // Kafka and other transports: hand the error back to the transport as data.
    return throwError(() => body);
  }
}

function wwwAuthenticate(exception: unknown): string {
  const refused = exception instanceof UnauthenticatedError && exception.tokenSent;
  return refused ? 'Bearer realm="dataset-registry", error="invalid_token"' : 'Bearer realm="dataset-registry"';
}
