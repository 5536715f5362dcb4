import { MethodNotAllowedException } from '@nestjs/common';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { METHODS } from 'node:http';

/**
 * What we read of an express 5 router layer: a route's path and methods, and
 * the matcher the router itself uses (which @types/express leaves out).
 */
export interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  match(path: string): boolean;
}

/**
 * Nest mounts its middleware (request logging) as routes for every method on
 * `/{*path}`: they say nothing about which paths exist.
 */
function isEndpoint(layer: RouterLayer): boolean {
  const methods = layer.route?.methods;
  return methods !== undefined && !methods._all && !METHODS.every((method) => methods[method.toLowerCase()]);
}

/** A path with no parameters (`/users/bulk`), which wins over a template that also matches (`/users/:id`). */
const isConcrete = (path: unknown): boolean => typeof path === 'string' && !/[:*{(]/.test(path);

/**
 * The methods a path has, read from the routes express dispatches to, so the
 * answer stays true as routes change. `undefined` for a path no route has.
 */
export function allowedMethods(endpoints: RouterLayer[], path: string): string[] | undefined {
  return new MethodTable(endpoints).allowed(path);
}

/**
 * allowedMethods over a fixed route table, for every request: each distinct
 * path is matched once (not once per method's layer), and the answer for a
 * combination of matching paths is worked out once.
 */
export class MethodTable {
  private readonly paths: { layer: RouterLayer; concrete: boolean; methods: Set<string> }[] = [];
  private readonly answers = new Map<string, string[]>();

  constructor(endpoints: RouterLayer[]) {
    const byPath = new Map<unknown, { layer: RouterLayer; concrete: boolean; methods: Set<string> }>();
    for (const layer of endpoints) {
      const path = layer.route?.path;
      let entry = byPath.get(path);
      if (!entry) {
        entry = { layer, concrete: isConcrete(path), methods: new Set() };
        byPath.set(path, entry);
        this.paths.push(entry);
      }
      for (const [method, handled] of Object.entries(layer.route?.methods ?? {})) {
        if (handled) entry.methods.add(method.toUpperCase());
      }
    }
  }

  allowed(path: string): string[] | undefined {
    const matching: number[] = [];
    for (const [index, entry] of this.paths.entries()) if (entry.layer.match(path)) matching.push(index);
    if (matching.length === 0) return undefined;
    const key = matching.join(',');
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.work(matching.map((index) => this.paths[index]));
      this.answers.set(key, answer);
    }
    return answer;
  }

  private work(matching: { concrete: boolean; methods: Set<string> }[]): string[] {
    // As in OpenAPI, a concrete path is its own resource: GET /users/bulk is not GET /users/:id.
    const concrete = matching.filter((entry) => entry.concrete);
    const methods = new Set<string>(['OPTIONS']);
    for (const entry of concrete.length > 0 ? concrete : matching) for (const method of entry.methods) methods.add(method);
    // express answers HEAD with the GET handler.
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}

/**
 * A method the path does not have gets 405 with `Allow` (rather than express's
 * 404, which says the path does not exist), and OPTIONS the `Allow` list.
 * Installed before the routes; reads them on first use, once they are all
 * registered.
 */
export function methodNotAllowed(app: Express): RequestHandler {
  let table: MethodTable | undefined;
  return (request: Request, response: Response, next: NextFunction): void => {
    table ??= new MethodTable((app.router.stack as unknown as RouterLayer[]).filter(isEndpoint));
    const allowed = table.allowed(request.path);
    if (allowed === undefined || (allowed.includes(request.method) && request.method !== 'OPTIONS')) {
      next();
      return;
    }
    const allow = allowed.join(', ');
    response.setHeader('Allow', allow);
    if (request.method === 'OPTIONS') {
      response.status(204).end();
      return;
    }
    next(new MethodNotAllowedException(`${request.method} is not allowed on ${request.path}; it allows ${allow}`));
  };
}
