import { Injectable, OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_POLICIES, ACCESS_POLICY_KEY, AccessPolicy } from './access.decorator';

export interface RoutePolicy {
  method: string;
  path: string;
  policy: AccessPolicy | undefined;
}

/**
 * Deny by default, at boot: every HTTP route must declare who may call it
 * (@Access). A route without a policy stops the application from starting,
 * with one line naming it.
 */
@Injectable()
export class RoutePolicies implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const missing = this.list().filter((route) => !route.policy || !ACCESS_POLICIES.includes(route.policy));
    if (missing.length > 0) {
      throw new Error(`Routes without an access policy (@Access): ${missing.map((route) => `${route.method} ${route.path}`).join(', ')}`);
    }
  }

  /** Every HTTP route of the application with its declared policy. */
  list(): RoutePolicy[] {
    const routes: RoutePolicy[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || !wrapper.metatype) continue;
      const prefix = String(this.reflector.get<string | undefined>(PATH_METADATA, wrapper.metatype) ?? '');
      for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const handler = instance[name] as (...args: unknown[]) => unknown;
        const path = this.reflector.get<string | string[] | undefined>(PATH_METADATA, handler);
        if (path === undefined) continue; // not an HTTP route (a Kafka handler, a helper)
        const method = RequestMethod[this.reflector.get<RequestMethod>(METHOD_METADATA, handler)];
        const policy = this.reflector.get<AccessPolicy | undefined>(ACCESS_POLICY_KEY, handler);
        for (const each of Array.isArray(path) ? path : [path]) routes.push({ method, path: joinPath(prefix, each), policy });
      }
    }
    return routes;
  }
}

function joinPath(prefix: string, path: string): string {
  return `/${[prefix, path]
    .map((part) => part.replace(/^\/|\/$/g, ''))
    .filter((part) => part !== '')
    .join('/')}`;
}
