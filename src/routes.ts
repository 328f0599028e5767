// Every domain's routes, in the order they are registered.
import type { RouteModule } from './http/app.js';
import { healthRoutes } from './http/health.js';
import { portalRoutes } from './http/portal.js';

export const ROUTE_MODULES: RouteModule[] = [healthRoutes, portalRoutes];
