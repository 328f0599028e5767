// The `security` of every guarded route in the OpenAPI document, read off the guard the route
// actually runs (requireCustomer, requireUser, requireSession, requireAdmin) and the API key
// scope it needs, so the document cannot drift from what is enforced. Register it before any
// route (it is first in src/routes.ts): it sees routes as they are added.
import type { RouteModule } from '../http/app.js';
import { requiredScope } from './api-key-scopes.js';
import { type GuardKind, guardOf } from './auth.js';

type Security = { [scheme: string]: string[] }[];

function securityOf(kind: GuardKind, scope: string): Security {
  switch (kind) {
    case 'customer':
    case 'user':
      return [{ session: [] }, { apiKey: [scope] }];
    case 'session':
    case 'admin':
      return [{ session: [] }];
  }
}

export const routeSecurity: RouteModule = (app) => {
  app.addHook('onRoute', (route) => {
    const hooks = route.onRequest === undefined ? [] : [route.onRequest].flat();
    const kind = hooks.map(guardOf).find((found) => found !== undefined);
    if (!kind) return;
    const method = [route.method].flat()[0] ?? 'GET';
    const scope = requiredScope(method, route.url, route.config);
    route.schema = { ...route.schema, security: securityOf(kind, scope) };
  });
};
