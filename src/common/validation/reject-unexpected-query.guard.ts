import { BadRequestException, CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';

/**
 * The global ValidationPipe rejects unknown query parameters, but only on
 * routes that declare a query DTO: elsewhere `?cascade=true` would be
 * silently ignored and the client would believe it had an effect. Routes
 * without `@Query()` take no query parameters at all, unless they serve a
 * page whose script reads them (@QueryReadInBrowser). A guard, the last one,
 * rather than an interceptor: it runs at the same point (after access, before
 * the pipes), and an app with no interceptor skips Nest's per-request rxjs chain.
 */
@Injectable()
export class RejectUnexpectedQueryGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http') {
      const names = Object.keys(context.switchToHttp().getRequest<Request>().query ?? {});
      if (names.length > 0 && !takesQuery(context)) {
        const details = names.map((name) => ({ field: name, messages: [`property ${name} should not exist`] }));
        throw new BadRequestException({ message: `this route takes no query parameters (got ${names.join(', ')})`, details });
      }
    }
    return true;
  }
}

const QUERY_READ_IN_BROWSER = 'queryReadInBrowser';

/**
 * The route serves a page whose script reads the query (the viewer, where an identity provider sends the browser back
 * with `?code=…&state=…` and, depending on the provider, more), so the server takes any query and ignores it.
 */
export const QueryReadInBrowser = (): MethodDecorator => SetMetadata(QUERY_READ_IN_BROWSER, true);

function takesQuery(context: ExecutionContext): boolean {
  if (Reflect.getMetadata(QUERY_READ_IN_BROWSER, context.getHandler()) === true) return true;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
}
