// Every domain's routes, in the order they are registered.
import { accountsRoutes, routeSecurity } from './accounts/index.js';
import type { RouteModule } from './http/app.js';
import { healthRoutes } from './http/health.js';
import { invoicingRoutes } from './invoicing/index.js';
import { portalRoutes } from './http/portal.js';
import { campaignRoutes } from './messaging/campaigns/routes.js';
import { simulatorRoutes } from './messaging/carriers/simulator-routes.js';
import { estimateRoutes } from './messaging/estimate/routes.js';
import { messagingRoutes } from './messaging/routes.js';
import { usageRoutes } from './messaging/usage-routes.js';
import { opsRoutes } from './ops/routes.js';
import { webhookRoutes } from './messaging/webhooks/routes.js';
import { pricingRoutes } from './pricing/routes.js';
import { purchasesRoutes } from './purchases/index.js';
import { stripeRoutes } from './purchases/providers/stripe/index.js';
import { transactionsRoutes } from './transactions/index.js';
import { refillRoutes } from './refills/index.js';

export const ROUTE_MODULES: RouteModule[] = [
  // First: it declares the OpenAPI security of every guarded route added after it.
  routeSecurity,
  healthRoutes,
  opsRoutes,
  accountsRoutes,
  messagingRoutes,
  usageRoutes,
  campaignRoutes,
  estimateRoutes,
  webhookRoutes,
  pricingRoutes,
  purchasesRoutes,
  stripeRoutes,
  transactionsRoutes,
  invoicingRoutes,
  refillRoutes,
  simulatorRoutes,
  portalRoutes,
];
