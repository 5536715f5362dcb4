import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { AuthenticatedRequest } from '../access/access.decorator';
import { Authenticator } from './authenticator';

/** `Bearer <token>`: the scheme is case-insensitive (RFC 7235), the token is visible ASCII. */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/**
 * Resolves the caller of every request before the guards run, so that the
 * rate limit counts per identity (per IP only for the anonymous) and the
 * access guard decides from the route's policy. It never answers itself:
 * a missing or refused credential is the guard's 401 on routes that need one.
 */
@Injectable()
export class AuthenticationMiddleware implements NestMiddleware {
  constructor(private readonly authenticator: Authenticator) {}

  use(request: AuthenticatedRequest, _response: Response, next: NextFunction): void {
    const header = request.headers.authorization;
    if (header === undefined) return next();
    const match = BEARER.exec(header);
    if (!match) {
      request.authFailed = true;
      return next();
    }
    this.authenticator.authenticate(match[1]).then(
      (result) => {
        Object.assign(request, result);
        if (!result.principal && !result.identity) request.authFailed = true;
        next();
      },
      (error: unknown) => {
        // Answered by the guard, through the exception filter like every error (a middleware's own would bypass it).
        request.authError = error;
        next();
      },
    );
  }
}
