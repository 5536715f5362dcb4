import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RegistryMetrics } from './registry-metrics';

/**
 * Times every HTTP request, labelled by the route template Express matched
 * (`/datasets/:id`, never the raw URL) or `unmatched` (404s, 405s, static
 * files): the label set stays as small as the route table.
 */
export function httpMetrics(metrics: RegistryMetrics): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const route = (request.route as { path?: unknown } | undefined)?.path;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequest(request.method, typeof route === 'string' ? route : 'unmatched', response.statusCode, seconds);
    });
    next();
  };
}
